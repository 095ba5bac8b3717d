// Retries and streaming, shared by the chat backends: send_with_retry may send a request several
// times, but a streamed reply is parsed into state as it arrives. This client clears that state
// before every attempt, and stops retrying once a stream has delivered events (the caller has
// already shown part of it): the break is then reported as a cut-off stream, not replayed.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "util/http_client.h"

namespace memgpt::llm {

class StreamAttemptClient final : public HttpClient {
 public:
  // `reset` clears the stream state; `started` says whether events arrived; the transport error
  // that ended a started stream is kept in `transport_error` (for the message).
  StreamAttemptClient(HttpClient& inner, std::function<void()> reset, std::function<bool()> started,
                      std::string* transport_error)
      : inner_(inner),
        reset_(std::move(reset)),
        started_(std::move(started)),
        transport_error_(transport_error) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    reset_();
    auto r = inner_.send(request);
    if (!r.ok() && r.status().code() != ErrorCode::kCancelled && started_()) {
      *transport_error_ = r.status().message();
      HttpResponse cut;
      cut.status = 200;  // the backend sees a stream without its end
      return cut;
    }
    return r;
  }

 private:
  HttpClient& inner_;
  std::function<void()> reset_;
  std::function<bool()> started_;
  std::string* transport_error_;
};

}  // namespace memgpt::llm
