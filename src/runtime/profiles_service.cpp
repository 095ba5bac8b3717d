#include "runtime/profiles_service.h"

#include <fmt/format.h>

namespace memgpt::runtime {

Result<std::vector<store::ProfileRecord>> ProfilesService::list(store::ProfileKind kind, const std::string& user_id) {
  return store_.list_profiles(kind, user_id);
}

Result<store::ProfileRecord> ProfilesService::add(store::ProfileKind kind, const std::string& user_id,
                                                  const std::string& name, const std::string& text, bool replace) {
  const char* what = store::profile_kind_name(kind);
  if (name.empty()) return invalid_argument(fmt::format("a {} profile needs a name", what));
  // An empty profile would start every agent made from it with a blank core-memory block.
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalid_argument(fmt::format("the text of {} '{}' is empty", what, name));
  }
  store::ProfileRecord rec;
  rec.user_id = user_id;
  rec.name = name;
  rec.text = text;
  auto added = store_.add_profile(kind, rec);
  if (added.ok() || added.status().code() != ErrorCode::kAlreadyExists || !replace) return added;
  MEMGPT_RETURN_IF_ERROR(store_.update_profile_text(kind, user_id, name, text));
  return store_.get_profile(kind, user_id, name);
}

Status ProfilesService::remove(store::ProfileKind kind, const std::string& user_id, const std::string& name) {
  return store_.delete_profile(kind, user_id, name);
}

}  // namespace memgpt::runtime
