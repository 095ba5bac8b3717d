// Server-Sent Events as Letta streams them: one `data: {json}` frame per message, an
// `event: error` frame for a failure, `data: [DONE]` at the end. A client that went away makes
// later writes no-ops (the work goes on and is stored as it would have been).
#pragma once

#include "http/http.h"
#include "server/api_result.h"
#include "util/json.h"

namespace memgpt::server {

class SseWriter {
 public:
  explicit SseWriter(http::BodyWriter& out) : out_(out) {}
  void data(const Json& message);
  void error(const ApiError& error);
  void done();

 private:
  void frame(const std::string& text);
  http::BodyWriter& out_;
  bool open_ = true;
};

}  // namespace memgpt::server
