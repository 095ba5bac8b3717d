// The seam between transcripts and the product: the only file of the runner that knows the
// product's types. It drives the runtime services that `memgpt run` and the server use
// (runtime::AgentService: create, open under the agent's lock, send, slash commands,
// attach/detach) on real parts: SQLite stores, archival memory in an embedded Milvus file with
// the built-in embedder, the OpenAI backend talking to the scripted server on loopback, and a
// clock the transcript sets.
#pragma once

#include <memory>
#include <string>

#include "util/json.h"

namespace memgpt::transcripts {

struct AgentSetup {
  std::string persona = "I am Sam.";
  std::string human = "Name: Ann";
  std::string system = "You are MemGPT.";
  int core_memory_limit = 2000;
  int context_window = 8192;
  std::string model = "gpt-4o-mini";
  bool verify_first_message = false;
};

// What one user turn or command did.
struct Outcome {
  bool ok = true;
  std::string error;              // why it failed (when !ok)
  int steps = 0;                  // model steps of a turn
  Json events = Json::array();    // what the user was shown, in order (README: "events")
  std::string streamed;           // the reply text that arrived as stream deltas
  Json result = Json::object();   // what a command reports (README: "commands")
};

class Host {
 public:
  // Creates the agent talking to the scripted server at `base_url` (its /v1 URL); the clock
  // starts at `start_ms`. Throws std::runtime_error when the parts cannot be set up.
  static std::unique_ptr<Host> open(const AgentSetup& setup, const std::string& base_url,
                                    int64_t start_ms);
  virtual ~Host() = default;

  // A data source, as `memgpt load` makes it: {"file name": "text", ...}.
  virtual void load_source(const std::string& name, const Json& files) = 0;
  virtual Outcome user_message(const std::string& text, bool stream) = 0;
  // The agent's first message, answering the login event ("Hit enter to begin").
  virtual Outcome first_message() = 0;
  // A slash command line, e.g. "/pop 2".
  virtual Outcome command(const std::string& line) = 0;

  virtual void set_time(int64_t epoch_ms) = 0;
  virtual int64_t context_tokens() = 0;  // what the next request would take
  virtual void set_context_window(int tokens) = 0;
  // {"core": {label: value}, "context": [views], "recall": [views, oldest first],
  //  "archival": [texts, sorted]}
  virtual Json memory() = 0;
};

}  // namespace memgpt::transcripts
