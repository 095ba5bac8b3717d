// An OpenAI-compatible embeddings server for tests (a hosted embeddings API cannot run here):
// POST /v1/embeddings as OpenAI documents it (model, input: a string or a list of strings;
// data[i] = {object: "embedding", index: i, embedding: [...]}; a 400 error object for a body
// without them). Each word of a text adds to a hashed direction, so texts that share words are
// near each other and a search finds what it should; `dim` is chosen by the test.
//
// hold_after(n): requests after the n-th wait (unanswered) until release() or stop(), so a test
// can stop a client part way at a known point without timing.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace memgpt::testing {

class ScriptedEmbeddings {
 public:
  explicit ScriptedEmbeddings(int dim);
  ~ScriptedEmbeddings();
  ScriptedEmbeddings(const ScriptedEmbeddings&) = delete;
  ScriptedEmbeddings& operator=(const ScriptedEmbeddings&) = delete;

  std::string base_url() const;  // http://127.0.0.1:<port>/v1
  int dim() const { return dim_; }
  void hold_after(int answered);
  void release();
  void stop();
  // Requests received (held ones included); waits until at least `n` arrived, false after
  // `timeout_ms`.
  int requests() const;
  bool wait_for_requests(int n, int timeout_ms = 60000) const;

 private:
  int dim_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  int received_ = 0;
  int hold_after_ = -1;  // -1: answer everything
  bool released_ = false;
  bool stopping_ = false;
};

}  // namespace memgpt::testing
