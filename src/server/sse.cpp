#include "server/sse.h"

namespace memgpt::server {

void SseWriter::frame(const std::string& text) {
  if (open_) open_ = out_.write(text);
}

void SseWriter::data(const Json& message) {
  frame("data: " + message.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n");
}

void SseWriter::error(const ApiError& e) {
  Json j = {{"message_type", "error_message"}, {"error_type", "internal_error"}, {"message", e.message},
            {"detail", e.message}};
  frame("event: error\ndata: " + j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n");
}

void SseWriter::done() { frame("data: [DONE]\n\n"); }

}  // namespace memgpt::server
