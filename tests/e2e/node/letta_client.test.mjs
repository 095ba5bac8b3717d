// The official Letta TypeScript client (@letta-ai/letta-client) against `memgpt server`, with the
// scripted OpenAI-compatible LLM server behind it: agents, messages (plain and streaming),
// core-memory blocks, archival passages, folder upload + attach, message paging, delete. Every
// result is checked, and the LLM double must have seen only valid Chat Completions requests.
// Usage: MEMGPT_BIN=... SCRIPTED_LLM_BIN=... MEMGPT_NODE_MODULES=... node letta_client.test.mjs
import assert from "node:assert/strict";
import test from "node:test";

import { expectStatus, requireModule, startScriptedServer } from "./support.mjs";

const { Letta, toFile } = requireModule("@letta-ai/letta-client");

const scenario = {
  model: "gpt-4o-mini",
  replies: [
    { content: "The user greets me.", tool: "send_message", arguments: { message: "Hello Ada!" } },
    { content: "Streaming reply.", tool: "send_message", arguments: { message: "Streaming works." } },
    { content: "Look it up.", tool: "archival_memory_search", arguments: { query: "lighthouse keeper", request_heartbeat: true } },
    { content: "Found it.", tool: "send_message", arguments: { message: "The keeper is Mira." } },
  ],
};

test("official Letta client drives memgpt server", async () => {
  const { port, llmPort, stop } = await startScriptedServer(scenario, { prefix: "memgpt-letta-" });
  try {
    const client = new Letta({ baseURL: `http://127.0.0.1:${port}`, apiKey: "e2e-password", maxRetries: 0 });

    // Models.
    const models = await client.models.list();
    assert.ok(models.some((m) => m.handle === "openai/gpt-4o-mini"), JSON.stringify(models));
    const embeddings = await client.models.embeddings.list();
    assert.equal(embeddings.length, 1);
    assert.equal(embeddings[0].embedding_dim, 384);

    // A wrong key is refused.
    const stranger = new Letta({ baseURL: `http://127.0.0.1:${port}`, apiKey: "wrong", maxRetries: 0 });
    await expectStatus(stranger.agents.list(), 401);

    // Create an agent with memory blocks.
    const agent = await client.agents.create({
      name: "e2e-agent",
      model: "openai/gpt-4o-mini",
      embedding: embeddings[0].handle,
      memory_blocks: [
        { label: "human", value: "Name: Ada" },
        { label: "persona", value: "I am a careful assistant.", limit: 500 },
      ],
    });
    assert.equal(agent.name, "e2e-agent");
    assert.deepEqual(agent.blocks.map((b) => b.label).sort(), ["human", "persona"]);
    assert.equal(agent.llm_config.model, "gpt-4o-mini");
    assert.ok(agent.tools.some((t) => t.name === "archival_memory_search"));
    await expectStatus(client.agents.create({ name: "e2e-agent", model: "openai/gpt-4o-mini" }), 409);

    // Send a message.
    const reply = await client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "Hello" }] });
    const types = reply.messages.map((m) => m.message_type);
    assert.deepEqual(types, ["reasoning_message", "assistant_message"]);
    assert.equal(reply.messages[0].reasoning, "The user greets me.");
    assert.equal(reply.messages[1].content, "Hello Ada!");
    assert.equal(reply.stop_reason.stop_reason, "end_turn");
    assert.ok(reply.usage.total_tokens > 0);

    // Streaming.
    const stream = await client.agents.messages.stream(agent.id, { messages: [{ role: "user", content: "Stream please" }] });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const assistant = chunks.filter((c) => c.message_type === "assistant_message");
    assert.equal(assistant.length, 1, JSON.stringify(chunks));
    assert.equal(assistant[0].content, "Streaming works.");
    assert.ok(chunks.some((c) => c.message_type === "reasoning_message" && c.reasoning === "Streaming reply."));
    assert.equal(chunks.at(-2).message_type, "stop_reason");
    assert.equal(chunks.at(-1).message_type, "usage_statistics");

    // Tools, and auto-paging lists end (a list that ignored the cursor would loop forever).
    const tools = [];
    for await (const t of client.tools.list({ limit: 3 })) tools.push(t.name);
    assert.ok(tools.includes("archival_memory_search") && tools.includes("send_message"), tools.join());
    assert.equal(new Set(tools).size, tools.length);
    const agentTools = [];
    for await (const t of client.agents.tools.list(agent.id)) agentTools.push(t.name);
    assert.ok(agentTools.includes("core_memory_append"));
    const labels = [];
    for await (const b of client.agents.blocks.list(agent.id, { limit: 1 })) labels.push(b.label);
    assert.deepEqual(labels.sort(), ["human", "persona"]);

    // Core memory blocks.
    let block = await client.agents.blocks.retrieve("human", { agent_id: agent.id });
    assert.equal(block.value, "Name: Ada");
    block = await client.agents.blocks.update("human", { agent_id: agent.id, value: "Name: Ada Lovelace" });
    assert.equal(block.value, "Name: Ada Lovelace");
    const blocks = await client.agents.blocks.list(agent.id);
    assert.equal(blocks.items.find((b) => b.label === "human").value, "Name: Ada Lovelace");
    const tooLong = await expectStatus(
      client.agents.blocks.update("persona", { agent_id: agent.id, value: "x".repeat(501) }), 422);
    assert.match(tooLong.message, /limit/);
    await expectStatus(client.agents.blocks.retrieve("nope", { agent_id: agent.id }), 404);
    block = await client.agents.blocks.retrieve("persona", { agent_id: agent.id });
    assert.equal(block.value, "I am a careful assistant.");

    // Archival passages.
    const inserted = await client.agents.passages.create(agent.id, { text: "Ada enjoys playing chess on Sundays." });
    assert.equal(inserted.length, 1);
    assert.equal(inserted[0].text, "Ada enjoys playing chess on Sundays.");
    let found = await client.agents.passages.search(agent.id, { query: "chess" });
    assert.equal(found.results[0].id, inserted[0].id);
    assert.match(found.results[0].content, /chess/);
    let listed = await client.agents.passages.list(agent.id);
    assert.deepEqual(listed.map((p) => p.id), [inserted[0].id]);
    await client.agents.passages.delete(inserted[0].id, { agent_id: agent.id });
    listed = await client.agents.passages.list(agent.id);
    assert.equal(listed.length, 0);

    // A folder (source): upload a file, attach it, and the agent finds it through archival search.
    const folder = await client.folders.create({ name: "stories", description: "short stories" });
    const text = "# The Lighthouse\n\nThe lighthouse keeper is named Mira. She keeps a logbook of every ship.\n";
    const file = await client.folders.files.upload(folder.id, { file: await toFile(Buffer.from(text), "lighthouse.md") });
    assert.equal(file.processing_status, "completed");
    assert.ok(file.total_chunks >= 1);
    const files = await client.folders.files.list(folder.id);
    assert.deepEqual(files.items.map((f) => f.file_name), ["lighthouse.md"]);
    const attached = await client.agents.folders.attach(folder.id, { agent_id: agent.id });
    assert.deepEqual(attached.sources.map((s) => s.id), [folder.id]);
    found = await client.agents.passages.search(agent.id, { query: "lighthouse keeper" });
    assert.match(found.results[0].content, /Mira/);

    const lookup = await client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "Who keeps the lighthouse?" }] });
    const call = lookup.messages.find((m) => m.message_type === "tool_call_message");
    assert.equal(call.tool_call.name, "archival_memory_search");
    const ret = lookup.messages.find((m) => m.message_type === "tool_return_message");
    assert.equal(ret.status, "success");
    assert.match(ret.tool_return, /Mira/);
    assert.equal(lookup.messages.at(-1).content, "The keeper is Mira.");

    // Message history with cursor paging (newest first by default): every page in order, no
    // message twice, the user's three messages all there.
    const seen = [];
    for await (const m of client.agents.messages.list(agent.id, { limit: 3 })) seen.push(m);
    const userTexts = seen.filter((m) => m.message_type === "user_message" && !m.content.startsWith("{"))
                          .map((m) => m.content);
    assert.deepEqual(userTexts, ["Who keeps the lighthouse?", "Stream please", "Hello"]);
    const dates = seen.map((m) => Date.parse(m.date));
    for (let i = 1; i < dates.length; ++i) assert.ok(dates[i] <= dates[i - 1], "newest first");
    const page = await client.agents.messages.list(agent.id, { limit: 2, order: "asc" });
    // Oldest first: the boot sequence's inner monologue opens the history.
    assert.equal(page.items[0].message_type, "reasoning_message");
    assert.match(page.items[0].reasoning, /Bootup sequence complete/);

    // Reset: the conversation leaves the context window; the history stays in recall.
    const before = await client.agents.retrieve(agent.id);
    const reset = await client.agents.messages.reset(agent.id, {});
    assert.ok(reset.message_ids.length < before.message_ids.length - 6,
              `${reset.message_ids.length} vs ${before.message_ids.length}`);
    const after = [];
    for await (const m of client.agents.messages.list(agent.id, { limit: 50 })) after.push(m);
    assert.ok(after.some((m) => m.message_type === "user_message" && m.content === "Hello"));

    // Detach, list, delete.
    const detached = await client.agents.folders.detach(folder.id, { agent_id: agent.id });
    assert.equal(detached.sources.length, 0);
    const agents = await client.agents.list();
    assert.deepEqual(agents.items.map((a) => a.id), [agent.id]);
    await client.agents.delete(agent.id);
    await expectStatus(client.agents.retrieve(agent.id), 404);
    await client.folders.delete(folder.id);
    await expectStatus(client.folders.retrieve(folder.id), 404);

    // The LLM double saw only requests that follow the Chat Completions rules.
    const violations = await (await fetch(`http://127.0.0.1:${llmPort}/_violations`)).json();
    assert.deepEqual(violations, []);
  } finally {
    await stop();
  }
});
