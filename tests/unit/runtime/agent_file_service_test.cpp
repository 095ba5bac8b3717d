// Agent Files on real parts: SQLite metadata and recall, the embedded vector engine in a file,
// the built-in embedder, and a scripted OpenAI-compatible server on loopback for the step that
// gives the agent a conversation worth exporting.
#include "runtime/agent_file_service.h"

#include <gtest/gtest.h>

#include "agent/functions.h"
#include "scripted_llm.h"
#include "support/runtime_home.h"
#include "support/test_env.h"

namespace memgpt::runtime {
namespace {

class AgentFileServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    llm_.start();
    MemgptConfig config = *load_config_or_default();
    config.model_endpoint_type = "openai";
    config.model_endpoint = llm_.base_url();
    config.model = "gpt-4o-mini";
    config.embedding_endpoint_type = "local";  // the built-in embedder, named
    config.embedding_model = kBuiltinEmbeddingModel;
    config.embedding_dim = kBuiltinEmbeddingDim;
    opened_.open(config, home_.path());
    opened_.ctx->credentials.set("openai", "key", kSecretKey);
    agents_ = std::make_unique<AgentService>(*opened_.ctx, *opened_.archival, AgentServiceOptions{});
    files_ = std::make_unique<AgentFileService>(*opened_.ctx, *opened_.archival, *agents_);
  }

  // An agent with blocks of its own, a prompt of its own, a turn of conversation (a memory edit
  // and a reply) and archival passages.
  store::AgentRecord lived_in_agent(const std::string& name) {
    NewAgent n;
    n.user_id = user();
    n.name = name;
    n.system_prompt = "You are Ada, a careful archivist.";
    n.blocks = {{"persona", "I am Ada.", 300}, {"human", "The user is Bob.", 500}, {"notes", "Bob likes tea.", 1200}};
    n.llm_config = {.model = "gpt-4o-mini", .model_endpoint_type = "openai", .model_endpoint = llm_.base_url(),
                    .context_window = 8192};
    n.description.description = "an archivist";
    n.description.tags = std::vector<std::string>{"archive", "test"};
    n.description.metadata = Json{{"team", "memory"}};
    auto rec = agents_->create(n);
    EXPECT_TRUE(rec.ok()) << rec.status().message();
    auto open = agents_->open(rec->id, true);
    EXPECT_TRUE(open.ok()) << open.status().message();
    auto sent = agents_->send(*open, {{TurnInput::Kind::kUser, "Remember that I moved to Lyon."}},
                              [](const agent::AgentEvent&) {}, {});
    EXPECT_TRUE(sent.ok()) << sent.status().message();
    open->keep_cached();
    sources::PassageStore archival = agents_->archival_of(*rec);
    EXPECT_TRUE(archival.ensure_collections().ok());
    for (const char* text : {"Bob's first cat was called Pepper.", "The archive closes at six on Fridays."}) {
      auto inserted = archival.insert_archival(user(), rec->id, text);
      EXPECT_TRUE(inserted.ok()) << inserted.status().message();
    }
    return *opened_.ctx->store->get_agent(rec->id);
  }

  std::string exported(const std::string& agent_id) {
    auto text = files_->export_agent(agent_id);
    EXPECT_TRUE(text.ok()) << text.status().message();
    return text.ok() ? *text : "";
  }
  Result<AgentImportReport> import(const std::string& text, const std::string& name = "") {
    AgentImportOptions o;
    o.user_id = user();
    o.name = name;
    o.on_embed_progress = [this](int64_t done, int64_t total) { progress_.emplace_back(done, total); };
    return files_->import_text(text, o);
  }
  Result<AgentImportReport> import(const Json& doc, const std::string& name = "") { return import(doc.dump(), name); }
  int64_t all_messages() {
    auto rows = opened_.ctx->store->db().query("SELECT COUNT(*) FROM messages", {});
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    return rows.ok() ? (*rows)[0].integer(0) : -1;
  }
  size_t agent_count() { return opened_.ctx->store->list_agents(user())->size(); }
  std::vector<store::MessageRecord> messages_of(const std::string& id) {
    return *agents_->recall().list(id, 0, 0, -1, false);
  }
  std::vector<std::string> context_texts(const store::AgentRecord& rec) {
    std::vector<std::string> out;
    for (const auto& m : *agents_->recall().get(rec.state.message_ids)) out.push_back(m.role + ": " + m.text);
    return out;
  }
  std::vector<sources::Passage> passages_of(const store::AgentRecord& rec) {
    std::vector<sources::Passage> rows;
    Status walked = agents_->archival_of(rec).for_each_page(true, "agent_id", rec.id, 1000, true, [&](auto& page) {
      rows.insert(rows.end(), page.begin(), page.end());
      return Status{};
    });
    EXPECT_TRUE(walked.ok()) << walked.message();
    return rows;
  }
  const std::string& user() { return opened_.ctx->user_id; }

  static constexpr const char* kSecretKey = "sk-test-secret-never-exported-4711";
  testing::ScriptedLlmServer llm_{Json{
      {"model", "gpt-4o-mini"},
      {"require_auth", false},
      {"replies",
       Json::array({Json{{"content", "Bob moved; note it."},
                         {"tool", "core_memory_append"},
                         {"arguments", {{"name", "human"}, {"content", " Lives in Lyon."}, {"request_heartbeat", true}}}},
                    Json{{"content", "Tell him."},
                         {"tool", "send_message"},
                         {"arguments", {{"message", "Noted: Lyon!"}}}}})}}};
  testing::ScopedHome home_;
  testing::RuntimeHome opened_;
  std::unique_ptr<AgentService> agents_;
  std::unique_ptr<AgentFileService> files_;
  std::vector<std::pair<int64_t, int64_t>> progress_;
};

TEST_F(AgentFileServiceTest, AnExportedAgentImportsBackWithEverythingItKeeps) {
  store::AgentRecord ada = lived_in_agent("ada");
  std::string first = exported(ada.id);
  auto report = import(first, "ada-copy");
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->agents.size(), 1u);
  EXPECT_TRUE(report->warnings.empty()) << report->warnings.front();
  EXPECT_FALSE(report->agents[0].reembedded) << "same embedder: the file's vectors are kept";
  EXPECT_TRUE(progress_.empty());
  store::AgentRecord copy = *opened_.ctx->store->get_agent(report->agents[0].id);

  EXPECT_NE(copy.id, ada.id);
  EXPECT_EQ(copy.name, "ada-copy");
  EXPECT_EQ(copy.state.system_prompt, ada.state.system_prompt);
  EXPECT_EQ(copy.state.memory, ada.state.memory);  // labels, values (with the edit) and limits
  EXPECT_NE(copy.state.memory[1].value.find("Lyon"), std::string::npos);
  EXPECT_EQ(copy.state.functions, ada.state.functions);
  EXPECT_EQ(copy.llm_config, ada.llm_config);
  EXPECT_EQ(copy.embedding_config, ada.embedding_config);
  EXPECT_EQ(copy.description, ada.description);
  EXPECT_EQ(copy.tags, ada.tags);
  EXPECT_EQ(copy.metadata, ada.metadata);
  EXPECT_EQ(copy.preset, ada.preset);
  EXPECT_EQ(copy.created_at, ada.created_at);
  EXPECT_EQ(copy.state.memory_edited_at, ada.state.memory_edited_at);
  EXPECT_EQ(copy.state.inner_thoughts_in_args, ada.state.inner_thoughts_in_args);

  // Every message, of every role, in order, with its tool calls and time; the same context.
  auto before = messages_of(ada.id), after = messages_of(copy.id);
  ASSERT_EQ(after.size(), before.size());
  ASSERT_GE(before.size(), 7u);  // boot (3), the user message, two steps with their results
  std::set<std::string> roles;
  for (size_t i = 0; i < before.size(); ++i) {
    roles.insert(before[i].role);
    EXPECT_EQ(after[i].role, before[i].role) << i;
    EXPECT_EQ(after[i].text, before[i].text) << i;
    EXPECT_EQ(after[i].name, before[i].name) << i;
    EXPECT_EQ(after[i].tool_calls, before[i].tool_calls) << i;
    EXPECT_EQ(after[i].tool_call_id, before[i].tool_call_id) << i;
    EXPECT_EQ(after[i].model, before[i].model) << i;
    EXPECT_EQ(after[i].created_at, before[i].created_at) << i;
    EXPECT_EQ(after[i].search_text, before[i].search_text) << i;
    EXPECT_EQ(after[i].agent_id, copy.id);
  }
  EXPECT_EQ(roles, (std::set<std::string>{"user", "assistant", "tool"}));
  EXPECT_EQ(context_texts(copy), context_texts(ada));

  // Archival memory: the same passages with the same vectors.
  auto old_passages = passages_of(ada), new_passages = passages_of(copy);
  ASSERT_EQ(new_passages.size(), 2u);
  std::map<std::string, std::vector<float>> by_text;
  for (const auto& p : old_passages) by_text[p.text] = p.embedding;
  for (const auto& p : new_passages) {
    ASSERT_TRUE(by_text.count(p.text)) << p.text;
    EXPECT_EQ(p.embedding, by_text[p.text]);
  }

  // Exported again, the file is the same but for the name and the export time.
  Json a = *parse_json(first), b = *parse_json(exported(copy.id));
  a["agents"][0].erase("name"), b["agents"][0].erase("name");
  a.erase("created_at"), b.erase("created_at");
  a["agents"][0]["messages"][0].erase("content"), b["agents"][0]["messages"][0].erase("content");  // names the agent
  EXPECT_EQ(a, b);
}

TEST_F(AgentFileServiceTest, TheImportedAgentRunsAStepWithItsImportedContext) {
  store::AgentRecord ada = lived_in_agent("ada");
  auto report = import(exported(ada.id), "ada-copy");
  ASSERT_TRUE(report.ok()) << report.status().message();
  llm_.add_replies(Json::array({Json{{"content", "Answer."}, {"tool", "send_message"}, {"arguments", {{"message", "Lyon."}}}}}));
  auto open = agents_->open(report->agents[0].id, true);
  ASSERT_TRUE(open.ok()) << open.status().message();
  auto sent = agents_->send(*open, {{TurnInput::Kind::kUser, "Where do I live?"}}, [](const agent::AgentEvent&) {}, {});
  ASSERT_TRUE(sent.ok()) << sent.status().message();
  Json request = llm_.requests().back();
  std::string system = request["messages"][0]["content"].get<std::string>();
  EXPECT_NE(system.find("Lives in Lyon."), std::string::npos) << "the imported memory is in the system message";
  EXPECT_NE(request.dump().find("Remember that I moved to Lyon."), std::string::npos) << "the imported context was sent";
}

TEST_F(AgentFileServiceTest, PassagesOfAnotherEmbedderAreEmbeddedAgainWithTheHomeEmbedder) {
  store::AgentRecord ada = lived_in_agent("ada");
  Json doc = *parse_json(exported(ada.id));
  Json& archival = doc[kAgentFileExtensionKey]["agents"][0]["archival"];
  archival["embedding_config"]["embedding_model"] = "text-embedding-3-small";
  archival["embedding_config"]["embedding_dim"] = 8;
  for (auto& p : archival["passages"]) p["embedding"] = std::vector<float>(8, 0.5f);
  auto report = import(doc, "ada-moved");
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->agents[0].reembedded);
  ASSERT_FALSE(progress_.empty());
  EXPECT_EQ(progress_.back(), std::make_pair(int64_t{2}, int64_t{2}));
  store::AgentRecord moved = *opened_.ctx->store->get_agent(report->agents[0].id);
  auto passages = passages_of(moved);
  ASSERT_EQ(passages.size(), 2u);
  for (const auto& p : passages) {
    auto expected = opened_.archival->embedder->embed(std::vector<std::string>{p.text});
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(p.embedding, (*expected)[0]) << "stored with the home embedder's vector: " << p.text;
  }
  // The agent can search them.
  auto hits = agents_->archival_of(moved).search_archival(moved.id, "cat Pepper", 0, 5, sources::SearchMode::kVector);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_FALSE(hits->hits.empty());
  EXPECT_EQ(hits->hits[0].passage.text, "Bob's first cat was called Pepper.");
}

TEST_F(AgentFileServiceTest, AnExportedFileHoldsNoKeyFromTheCredentials) {
  store::AgentRecord ada = lived_in_agent("ada");
  ASSERT_EQ(opened_.ctx->credentials.openai_key(), kSecretKey);
  std::string text = exported(ada.id);
  EXPECT_EQ(text.find(kSecretKey), std::string::npos);
  EXPECT_EQ(text.find("sk-"), std::string::npos);
  Json doc = *parse_json(text);
  EXPECT_EQ(doc["agents"][0]["tool_exec_environment_variables"], Json::object());
  EXPECT_EQ(doc["mcp_servers"], Json::array());
}

TEST_F(AgentFileServiceTest, AnExportWithoutMessagesKeepsMemoryAndPassagesAndImportsWithNoConversation) {
  store::AgentRecord ada = lived_in_agent("ada");
  auto text = files_->export_agent(ada.id, {.without_messages = true});
  ASSERT_TRUE(text.ok()) << text.status().message();
  Json doc = *parse_json(*text);
  // Only the system message, which the agent needs to run, is left.
  ASSERT_EQ(doc["agents"][0]["messages"].size(), 1u);
  EXPECT_EQ(doc["agents"][0]["messages"][0]["role"], "system");
  EXPECT_EQ(doc["agents"][0]["in_context_message_ids"], Json::array({"message-0"}));
  EXPECT_NE(text->find("Lives in Lyon."), std::string::npos) << "the memory edit is kept";
  EXPECT_EQ(text->find("Remember that I moved to Lyon."), std::string::npos) << "the conversation is left out";
  auto report = import(*text, "ada-bare");
  ASSERT_TRUE(report.ok()) << report.status().message();
  store::AgentRecord copy = *opened_.ctx->store->get_agent(report->agents[0].id);
  EXPECT_TRUE(messages_of(copy.id).empty());
  EXPECT_EQ(copy.state.memory, ada.state.memory);
  EXPECT_EQ(passages_of(copy).size(), 2u);
  EXPECT_FALSE(messages_of(ada.id).empty()) << "the original keeps its conversation";
}

TEST_F(AgentFileServiceTest, ATakenNameIsRefusedAndNothingIsImported) {
  store::AgentRecord ada = lived_in_agent("ada");
  size_t before = agent_count();
  auto report = import(exported(ada.id));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(report.status().message().find("'ada'"), std::string::npos);
  EXPECT_EQ(agent_count(), before);
}

TEST_F(AgentFileServiceTest, AnImportWhosePassagesCannotBeStoredLeavesNoAgentBehind) {
  store::AgentRecord ada = lived_in_agent("ada");
  std::string file = exported(ada.id);
  // The archival collection replaced by one of another dimension: storing the passages fails
  // after the records and messages are written.
  vector::VectorStore& vectors = *opened_.archival->store;
  std::string collection = agents_->archival_of(ada).archival_collection();
  ASSERT_TRUE(vectors.drop_collection(collection).ok());
  vector::CollectionSpec spec;
  spec.name = collection;
  spec.fields = {{"id", vector::DataType::kVarChar, true, false, 64, 0},
                 {"embedding", vector::DataType::kFloatVector, false, false, 0, 8}};
  spec.index.field_name = "embedding";
  ASSERT_TRUE(vectors.create_collection(spec).ok());
  size_t before = agent_count();
  int64_t messages_before = all_messages();
  auto report = import(file, "ada-copy");
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(agent_count(), before) << "the half-imported agent was left behind";
  EXPECT_EQ(all_messages(), messages_before) << "its messages were left behind";
  EXPECT_FALSE(opened_.ctx->store->get_agent_by_name(user(), "ada-copy").ok());
}

// A file as Letta writes it (letta/schemas/agent_file.py), with the double-encoded JSON its
// importer accepts and items memgpt cannot honour.
Json letta_file() {
  // llm_config and metadata as JSON inside strings, tool-call arguments as an object and as a
  // string, one tool call given as a string, content as a string and as parts, times with and
  // without a zone offset.
  return *parse_json(R"JSON({
    "agents": [{
      "id": "agent-0", "name": "letta-helper", "agent_type": "letta_v1_agent",
      "system": "You are a helpful assistant from Letta.",
      "llm_config": "{\"model\": \"gpt-4o-mini\", \"model_endpoint_type\": \"openai\", \"model_endpoint\": \"https://api.openai.com/v1\", \"context_window\": 32000, \"put_inner_thoughts_in_kwargs\": true}",
      "embedding_config": {"embedding_endpoint_type": "openai", "embedding_model": "text-embedding-3-small", "embedding_dim": 1536},
      "memory_blocks": [], "block_ids": ["block-0", "block-1"], "tool_ids": ["tool-0", "tool-1", "tool-2"],
      "tool_rules": [{"tool_name": "send_message", "type": "exit_loop"}],
      "tags": ["imported"], "metadata": "{\"origin\": \"letta\"}",
      "tool_exec_environment_variables": {"WEATHER_API_KEY": null}, "secrets": null, "folder_ids": null,
      "in_context_message_ids": ["message-0", "message-1", "message-2", "message-3", "message-4"],
      "messages": [
        {"type": "message", "id": "message-0", "role": "system", "content": [{"type": "text", "text": "compiled system"}],
         "created_at": "2025-06-01T10:00:00.000000Z"},
        {"type": "message", "id": "message-1", "role": "user", "content": "Hi, I'm Carol.",
         "created_at": "2025-06-01T10:00:05.250000+00:00"},
        {"type": "message", "id": "message-2", "role": "assistant",
         "content": [{"type": "reasoning", "reasoning": "", "text": "Greet Carol."}],
         "tool_calls": [{"id": "call_a", "type": "function", "function": {"name": "send_message", "arguments": {"message": "Hello Carol!"}}}],
         "created_at": "2025-06-01T12:00:06+02:00"},
        {"type": "message", "id": "message-3", "role": "tool", "name": "send_message", "tool_call_id": "call_a", "content": [],
         "tool_returns": [{"tool_call_id": "call_a", "status": "success", "func_response": "{\"status\": \"OK\"}"}],
         "created_at": "2025-06-01T10:00:06.500Z"},
        {"type": "message", "id": "message-4", "role": "assistant", "content": [{"type": "text", "text": "Searching."}],
         "tool_calls": ["{\"id\": \"call_b\", \"type\": \"function\", \"function\": {\"name\": \"web_search\", \"arguments\": \"{\\\"query\\\": \\\"Lyon\\\"}\"}}"],
         "created_at": "2025-06-01T10:00:07Z"}
      ]
    }],
    "groups": [{"id": "group-0", "agent_ids": ["agent-0"], "description": "a team"}],
    "blocks": [{"id": "block-0", "label": "persona", "value": "I help.", "limit": 5000, "description": null},
               {"id": "block-1", "label": "human", "value": "Carol.", "limit": 5000, "read_only": true}],
    "files": [],
    "sources": [{"id": "source-0", "name": "handbook"}],
    "tools": [{"id": "tool-0", "name": "send_message", "tool_type": "letta_core"},
              {"id": "tool-1", "name": "web_search", "tool_type": "letta_builtin"},
              {"id": "tool-2", "name": "roll_dice", "tool_type": "custom", "source_code": "def roll_dice(): ..."}],
    "mcp_servers": [{"id": "mcp_server-0", "server_type": "sse", "server_name": "weather"}],
    "metadata": {"revision_id": "abc"},
    "created_at": "2025-06-01T10:01:00Z"
  })JSON");
}

bool has_warning(const AgentImportReport& r, const std::string& part) {
  for (const auto& w : r.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_F(AgentFileServiceTest, AFileWrittenByLettaImportsAndReportsWhatIsNotHonoured) {
  auto report = import(letta_file());
  ASSERT_TRUE(report.ok()) << report.status().message();
  store::AgentRecord r = *opened_.ctx->store->get_agent(report->agents[0].id);
  EXPECT_EQ(r.name, "letta-helper");
  EXPECT_EQ(r.state.system_prompt, "You are a helpful assistant from Letta.");
  ASSERT_EQ(r.state.memory.size(), 2u);
  EXPECT_EQ(r.state.memory[0], (store::MemoryBlock{"persona", "I help.", 5000}));
  EXPECT_EQ(r.state.memory[1], (store::MemoryBlock{"human", "Carol.", 5000}));
  EXPECT_EQ(r.state.functions, std::vector<std::string>{"send_message"});
  EXPECT_EQ(r.llm_config.model, "gpt-4o-mini");
  EXPECT_EQ(r.llm_config.context_window, 32000);
  EXPECT_EQ(r.state.inner_thoughts_in_args, std::optional<bool>(true));
  EXPECT_EQ(r.metadata, (Json{{"origin", "letta"}}));
  EXPECT_EQ(r.tags, std::vector<std::string>{"imported"});

  // The compiled system message is ours to rebuild; the rest is stored in order.
  auto messages = messages_of(r.id);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].text, "Hi, I'm Carol.");
  EXPECT_EQ(messages[0].created_at, 1748772005250);
  EXPECT_EQ(messages[1].text, "Greet Carol.");
  EXPECT_EQ(messages[1].created_at, 1748772006000) << "+02:00 read as UTC 10:00:06";
  EXPECT_EQ(messages[1].tool_calls[0]["function"]["arguments"], "{\"message\":\"Hello Carol!\"}");
  EXPECT_EQ(messages[2].text, "{\"status\": \"OK\"}");
  EXPECT_EQ(messages[2].tool_call_id, "call_a");
  EXPECT_EQ(messages[3].tool_calls[0]["function"]["name"], "web_search");
  EXPECT_EQ(messages[3].tool_calls[0]["function"]["arguments"], "{\"query\": \"Lyon\"}");
  EXPECT_EQ(r.state.message_ids.size(), 4u);

  EXPECT_EQ(report->warnings.size(), 9u) << Json(report->warnings).dump(1);
  EXPECT_TRUE(has_warning(*report, "group 'group-0'"));
  EXPECT_TRUE(has_warning(*report, "source 'source-0' (handbook)"));
  EXPECT_TRUE(has_warning(*report, "MCP server 'mcp_server-0' (weather)"));
  EXPECT_TRUE(has_warning(*report, "tool 'tool-1' (web_search, letta_builtin)"));
  EXPECT_TRUE(has_warning(*report, "tool 'tool-2' (roll_dice, custom)"));
  EXPECT_TRUE(has_warning(*report, "1 tool rules"));
  EXPECT_TRUE(has_warning(*report, "agent_type 'letta_v1_agent'"));
  EXPECT_TRUE(has_warning(*report, "read_only"));
  EXPECT_TRUE(has_warning(*report, "'tool_exec_environment_variables'"));
}

TEST_F(AgentFileServiceTest, BadFilesAreRefusedWithOneLineNamingTheProblemAndNothingIsImported) {
  store::AgentRecord ada = lived_in_agent("ada");
  std::string good = exported(ada.id);
  size_t before = agent_count();
  auto with = [&](const std::function<void(Json&)>& change) {
    Json doc = letta_file();
    change(doc);
    return doc.dump();
  };
  struct Case {
    const char* name;
    std::string text;
    const char* says;
  };
  std::vector<Case> cases = {
      {"malformed", "{\"agents\": [", "the agent file"},
      {"truncated", good.substr(0, good.size() / 2), "the agent file"},
      {"not an object", "[1, 2]", "JSON object"},
      {"no agents", "{\"agents\": []}", "no agents"},
      {"agents not a list", "{\"agents\": {\"id\": \"agent-0\"}}", "'agents' must be a list"},
      {"dangling block", with([](Json& d) { d["agents"][0]["block_ids"].push_back("block-9"); }), "block 'block-9'"},
      {"dangling tool", with([](Json& d) { d["agents"][0]["tool_ids"].push_back("tool-9"); }), "tool 'tool-9'"},
      {"dangling context", with([](Json& d) { d["agents"][0]["in_context_message_ids"].push_back("message-9"); }), "message 'message-9'"},
      {"duplicate block", with([](Json& d) { d["blocks"].push_back(d["blocks"][0]); }), "duplicate id 'block-0'"},
      {"duplicate message", with([](Json& d) { d["agents"][0]["messages"].push_back(d["agents"][0]["messages"][1]); }), "duplicate message id 'message-1'"},
      {"context twice", with([](Json& d) { d["agents"][0]["in_context_message_ids"].push_back("message-1"); }), "in context twice"},
      {"block value a number", with([](Json& d) { d["blocks"][0]["value"] = 42; }), "'value' must be a string"},
      {"block over its limit", with([](Json& d) { d["blocks"][0]["limit"] = 3; }), "block 'block-0' (persona)"},
      {"role unknown", with([](Json& d) { d["agents"][0]["messages"][1]["role"] = "robot"; }), "unknown role 'robot'"},
      {"bad time", with([](Json& d) { d["agents"][0]["messages"][1]["created_at"] = "yesterday"; }), "'created_at' is not a date"},
      {"tool call without name", with([](Json& d) { d["agents"][0]["messages"][2]["tool_calls"][0]["function"].erase("name"); }), "needs a 'name'"},
      {"second agent broken", with([](Json& d) {
         Json second = d["agents"][0];
         second["id"] = "agent-1";
         second["name"] = "second";
         second["block_ids"] = {"block-7"};
         d["agents"].push_back(second);
       }), "block 'block-7'"},
  };
  for (const auto& c : cases) {
    auto report = import(c.text);
    ASSERT_FALSE(report.ok()) << c.name;
    EXPECT_EQ(report.status().code(), ErrorCode::kInvalidArgument) << c.name << ": " << report.status().message();
    EXPECT_NE(report.status().message().find(c.says), std::string::npos) << c.name << ": " << report.status().message();
    EXPECT_EQ(report.status().message().find('\n'), std::string::npos) << c.name;
    EXPECT_EQ(agent_count(), before) << c.name << " left an agent behind";
  }
}

TEST_F(AgentFileServiceTest, AFileOverTheSizeLimitIsRefusedBeforeItIsParsed) {
  std::string big(kMaxAgentFileBytes + 1, ' ');
  auto report = import(big);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(report.status().message().find("over the limit"), std::string::npos);
}

TEST_F(AgentFileServiceTest, AServerUserGetsTheConfiguredModelWhenTheFileNamesAnEndpointOfItsOwn) {
  Json doc = letta_file();
  doc["agents"][0]["llm_config"] = {{"model", "gpt-4o-mini"}, {"model_endpoint_type", "openai"},
                                    {"model_endpoint", "http://attacker.invalid/v1"}, {"context_window", 8192}};
  AgentImportOptions o;
  o.user_id = user();
  o.endpoint_choice = EndpointChoice::kOperatorOnly;  // the keys must not follow the file elsewhere
  auto report = files_->import_contents(*read_agent_file(doc), o);
  ASSERT_TRUE(report.ok()) << report.status().message();
  store::AgentRecord r = *opened_.ctx->store->get_agent(report->agents[0].id);
  EXPECT_EQ(r.llm_config.model_endpoint, llm_.base_url()) << "the configured endpoint";
  EXPECT_TRUE(has_warning(*report, "its model cannot be used here")) << Json(report->warnings).dump(1);

  // The operator (the CLI) may keep it.
  o.endpoint_choice = EndpointChoice::kAny;
  o.name = "operator-copy";
  auto kept = files_->import_contents(*read_agent_file(doc), o);
  ASSERT_TRUE(kept.ok()) << kept.status().message();
  EXPECT_EQ(opened_.ctx->store->get_agent(kept->agents[0].id)->llm_config.model_endpoint, "http://attacker.invalid/v1");
}

TEST_F(AgentFileServiceTest, AFileWithTwoAgentsImportsBothInOneGo) {
  Json doc = letta_file();
  Json second = doc["agents"][0];
  second["id"] = "agent-1";
  second["name"] = "letta-helper-2";
  doc["agents"].push_back(second);
  auto report = import(doc);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->agents.size(), 2u);
  EXPECT_EQ(report->agents[1].name, "letta-helper-2");
  EXPECT_EQ(messages_of(report->agents[1].id).size(), 4u);
  auto renamed = import(doc, "one-name");
  ASSERT_FALSE(renamed.ok());
  EXPECT_NE(renamed.status().message().find("one agent"), std::string::npos);
}

TEST(AgentFileTimes, Iso8601TimesReadAsUtcMilliseconds) {
  EXPECT_EQ(*parse_iso8601_ms("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(*parse_iso8601_ms("1970-01-01T00:00:01.123456Z"), 1123);
  EXPECT_EQ(*parse_iso8601_ms("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*parse_iso8601_ms("1970-01-01 00:00:00.5"), 500);
  EXPECT_EQ(*parse_iso8601_ms("1969-12-31T23:00:00-0100"), 0);
  EXPECT_FALSE(parse_iso8601_ms("2025-13-01T00:00:00Z").ok());
  EXPECT_FALSE(parse_iso8601_ms("tomorrow").ok());
  EXPECT_FALSE(parse_iso8601_ms("2025-01-01T00:00:00 garbage").ok());
}

}  // namespace
}  // namespace memgpt::runtime
