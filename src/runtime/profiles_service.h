// Persona and human profiles (the texts an agent's core memory starts from), one home for the
// CLI's `memgpt add/list/delete persona|human` and the server's /humans and /personas routes.
#pragma once

#include <string>
#include <vector>

#include "store/metadata_store.h"
#include "util/status.h"

namespace memgpt::runtime {

class ProfilesService {
 public:
  explicit ProfilesService(store::MetadataStore& store) : store_(store) {}

  Result<std::vector<store::ProfileRecord>> list(store::ProfileKind kind, const std::string& user_id);
  // A profile needs a name and a text. An existing one of that name is kAlreadyExists unless
  // `replace`, which gives it the new text.
  Result<store::ProfileRecord> add(store::ProfileKind kind, const std::string& user_id, const std::string& name,
                                   const std::string& text, bool replace = false);
  Status remove(store::ProfileKind kind, const std::string& user_id, const std::string& name);

 private:
  store::MetadataStore& store_;
};

}  // namespace memgpt::runtime
