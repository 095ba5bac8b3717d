// Archival passages through the routes: what the official clients may send that memgpt cannot
// honour is refused with a 422 naming the field, never silently dropped.
#include "server_fixture.h"

namespace memgpt::server {
namespace {

class PassageRoutes : public RoutesTest {};

TEST_F(PassageRoutes, TagsOnANewPassageAreRefusedAndNothingIsStored) {
  start();
  std::string agent = new_agent("tagger");
  auto tagged = call("POST", "/v1/agents/" + agent + "/archival-memory",
                     {{"text", "Ada plays chess."}, {"tags", Json::array({"hobby"})}});
  EXPECT_EQ(tagged.status, 422) << tagged.body.dump();
  EXPECT_NE(tagged.body.dump().find("tags"), std::string::npos) << tagged.body.dump();
  EXPECT_EQ(call("GET", "/v1/agents/" + agent + "/archival-memory").body, Json::array());
  // No tags, or an empty list, is a plain passage.
  auto plain = call("POST", "/v1/agents/" + agent + "/archival-memory",
                    {{"text", "Ada plays chess."}, {"tags", Json::array()}});
  ASSERT_EQ(plain.status, 200) << plain.body.dump();
  EXPECT_EQ(call("GET", "/v1/agents/" + agent + "/archival-memory").body.size(), 1u);
}

TEST_F(PassageRoutes, SearchFiltersThatCannotBeAppliedAreRefusedNotIgnored) {
  start();
  std::string agent = new_agent("searcher");
  ASSERT_EQ(call("POST", "/v1/agents/" + agent + "/archival-memory", {{"text", "Ada plays chess."}}).status, 200);
  const std::string search = "/v1/agents/" + agent + "/archival-memory/search?query=chess";
  ASSERT_EQ(call("GET", search).status, 200);
  for (const char* filter : {"&tags=hobby", "&start_datetime=2026-01-01T00:00:00Z", "&end_datetime=2026-01-01T00:00:00Z"}) {
    auto r = call("GET", search + filter);
    EXPECT_EQ(r.status, 422) << filter << ": " << r.body.dump();
  }
}

}  // namespace
}  // namespace memgpt::server
