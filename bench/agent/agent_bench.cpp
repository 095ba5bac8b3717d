// bench_agent [--recall 10000] [--archival 100000] [--steps 200] [--keyword-index 1]
// Agent step overhead without model latency (the model answers instantly in process): prompt
// assembly from the store, exact token counting, store writes (one transaction per step) and
// function dispatch, with a large recall history and archival memory, at 8k and 128k context
// windows. Reports p50/p99 per step for a plain reply and for an archival_memory_search call.
// --keyword-index 0 ranks the keyword half of hybrid search by FTS5 instead of the engine's
// inverted index (EmbeddedOptions::keyword_index), to compare the two.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include "agent/agent.h"
#include "agent/passage_archival.h"
#include "embed/embedder.h"
#include "sources/passage_store.h"
#include "store/recall_store.h"
#include "vector/embedded_store.h"

using namespace memgpt;
using Steady = std::chrono::steady_clock;

namespace {

class InstantModel : public llm::ChatModel {
 public:
  bool search = false;
  Result<llm::ChatResponse> complete(const llm::ChatRequest&) override {
    llm::ChatResponse r;
    r.message.role = "assistant";
    r.message.content = "Thinking briefly.";
    if (search && !searched_) {
      searched_ = true;
      r.message.tool_calls = {{"c1", "archival_memory_search",
                               Json({{"query", "history of the river towns"}, {"request_heartbeat", true}}).dump()}};
    } else {
      searched_ = false;
      r.message.tool_calls = {{"c2", "send_message", Json({{"message", "Here is my answer."}}).dump()}};
    }
    return r;
  }
  std::string model_name() const override { return "instant"; }
  std::string endpoint_type() const override { return "openai"; }

 private:
  bool searched_ = false;
};

std::string sentence(std::mt19937& rng) {
  static const char* kWords[] = {"river", "town", "market", "bridge", "winter", "harvest", "ship", "lantern",
                                 "archive", "letter", "garden", "mountain", "road", "festival", "bell", "mill"};
  std::string s;
  for (int i = 0; i < 12; ++i) s += std::string(kWords[rng() % 16]) + " ";
  return s;
}

void report(const std::string& label, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  fmt::print("{:<44} p50 {:7.2f} ms   p99 {:7.2f} ms   (n={})\n", label, ms[ms.size() / 2],
             ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], ms.size());
}

}  // namespace

int main(int argc, char** argv) {
  int recall_n = 10000, archival_n = 100000, steps = 200;
  vector::EmbeddedOptions engine;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--recall") recall_n = std::atoi(argv[i + 1]);
    if (a == "--archival") archival_n = std::atoi(argv[i + 1]);
    if (a == "--steps") steps = std::atoi(argv[i + 1]);
    if (a == "--keyword-index") engine.keyword_index = std::atoi(argv[i + 1]) != 0;
  }
  std::string dir = std::filesystem::temp_directory_path() / ("memgpt-agent-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto meta = std::move(*store::MetadataStore::open_sqlite_file(dir + "/sqlite.db"));
  (void)meta->ensure_user("u");
  store::RecallStore recall(meta->shared_db());
  auto vstore = std::move(*vector::open_embedded_store(dir + "/milvus.db", engine));
  auto embedder = embed::make_builtin_embedder();
  if (!embedder.ok()) {
    fmt::print(stderr, "{}\n", embedder.status().message());
    return 1;
  }
  sources::PassageStore passages(vstore.get(), embedder->get());
  (void)passages.ensure_collections();
  std::mt19937 rng(5);

  for (int window : {8192, 128000}) {
    InstantModel model;
    agent::PassageArchival archival(passages, "u", "");
    agent::AgentDeps deps{meta.get(), &recall, &archival, &model};
    agent::AgentCreateOptions o;
    o.user_id = "u";
    o.name = "Bench" + std::to_string(window);
    o.persona_text = "I am a benchmark persona with a few sentences of character.";
    o.human_text = "Name: Bench. Likes measuring things.";
    o.system_prompt = std::string(4000, ' ') + "You are MemGPT.";
    o.llm_config = {.model = "gpt-4o-mini", .context_window = window};
    auto agent = std::move(*agent::Agent::create(deps, o));
    agent->set_verify_first_message(false);
    archival.set_agent(agent->id());
    // Archival memory: archival_n passages for this agent.
    auto t = Steady::now();
    for (int done = 0; done < archival_n; done += 1000) {
      std::string text;
      for (int i = 0; i < 1000 && done + i < archival_n; ++i) text += sentence(rng) + "\n\n";
      std::vector<sources::Passage> batch;
      std::vector<std::string> texts;
      for (int i = 0; i < 1000 && done + i < archival_n; ++i) {
        sources::Passage p;
        p.id = "p" + std::to_string(window) + "_" + std::to_string(done + i);
        p.text = sentence(rng);
        p.user_id = "u";
        p.agent_id = agent->id();
        batch.push_back(p);
      }
      std::vector<std::string> bt;
      for (auto& p : batch) bt.push_back(p.text);
      auto vecs = (*embedder)->embed(bt);
      std::vector<Json> rows;
      for (size_t i = 0; i < batch.size(); ++i) {
        rows.push_back({{"id", batch[i].id}, {"text", batch[i].text}, {"embedding", (*vecs)[i]}, {"user_id", "u"},
                        {"agent_id", agent->id()}, {"source_id", ""}, {"data_source", ""}, {"doc_id", ""},
                        {"created_at", int64_t{0}}, {"metadata", Json::object()}});
      }
      (void)vstore->upsert(passages.archival_collection(), rows);
    }
    double archival_s = std::chrono::duration<double>(Steady::now() - t).count();
    // Recall history: recall_n messages; the context holds what fits in ~60% of the window.
    std::vector<store::MessageRecord> history;
    for (int i = 0; i < recall_n; ++i) {
      store::MessageRecord m;
      m.id = new_uuid();
      m.user_id = "u";
      m.agent_id = agent->id();
      m.role = i % 2 ? "assistant" : "user";
      m.text = sentence(rng);
      m.search_text = m.text;
      m.created_at = i;
      history.push_back(m);
    }
    (void)recall.append(history);
    auto rec = *meta->get_agent(agent->id());
    std::vector<std::string>& ids = rec.state.message_ids;
    int64_t budget = static_cast<int64_t>(window * 0.6) - *agent->context_tokens();
    std::vector<std::string> in_context;
    for (int i = recall_n - 1; i >= 0 && budget > 40; --i) {
      in_context.insert(in_context.begin(), history[i].id);
      budget -= 20;
    }
    ids.insert(ids.end(), in_context.begin(), in_context.end());
    (void)meta->update_agent(rec);
    agent = std::move(*agent::Agent::load(deps, agent->id()));
    agent->set_verify_first_message(false);
    fmt::print("context window {}: {} recall messages, {} archival passages (built in {:.1f} s), {} messages / {} tokens in context\n",
               window, *agent->recall_count(), *agent->archival_count(), archival_s, ids.size(), *agent->context_tokens());

    std::vector<double> plain, searching;
    for (int i = 0; i < steps; ++i) {
      model.search = false;
      auto s = Steady::now();
      auto r = agent->send_user_message("tell me something", nullptr);
      plain.push_back(std::chrono::duration<double, std::milli>(Steady::now() - s).count());
      if (!r.ok()) {
        fmt::print(stderr, "step failed: {}\n", r.status().message());
        return 1;
      }
      (void)agent->pop(3);  // keep the context size steady
    }
    for (int i = 0; i < steps / 4; ++i) {
      model.search = true;
      auto s = Steady::now();
      auto r = agent->send_user_message("search please", nullptr);  // 2 steps: search + reply
      searching.push_back(std::chrono::duration<double, std::milli>(Steady::now() - s).count() / 2);
      if (!r.ok()) {
        fmt::print(stderr, "step failed: {}\n", r.status().message());
        return 1;
      }
      (void)agent->pop(5);
    }
    report(fmt::format("  step, plain reply ({}k window)", window / 1000), plain);
    report(fmt::format("  step, archival_memory_search ({}k window)", window / 1000), searching);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
