// Agent Files through `memgpt server` with the official Letta TypeScript client
// (@letta-ai/letta-client): agents.exportFile (GET /v1/agents/{id}/export) and
// agents.importFile (POST /v1/agents/import, multipart `file`), with the scripted
// OpenAI-compatible LLM server behind the agent. The exported agent, imported under a new name,
// has the same memory, messages and archival memory, and answers a message; bad files are
// refused with one line and leave no agent; a 100 MB upload is a 413.
// Usage: MEMGPT_BIN=... SCRIPTED_LLM_BIN=... MEMGPT_NODE_MODULES=... node letta_agent_file.test.mjs
import assert from "node:assert/strict";
import test from "node:test";

import { expectStatus, requireModule, startScriptedServer } from "./support.mjs";

const { Letta, toFile } = requireModule("@letta-ai/letta-client");

const scenario = {
  model: "gpt-4o-mini",
  replies: [
    { content: "Note the city.", tool: "core_memory_append",
      arguments: { name: "human", content: " Lives in Lyon.", request_heartbeat: true } },
    { content: "Confirm.", tool: "send_message", arguments: { message: "Noted: Lyon." } },
    { content: "The copy answers.", tool: "send_message", arguments: { message: "You live in Lyon." } },
  ],
};

test("the official Letta client exports and imports agents through memgpt server", async () => {
  const { port, llmPort, stop } = await startScriptedServer(
    scenario, { prefix: "memgpt-af-", openaiKey: "sk-test-agent-file-secret" });
  try {
    const baseURL = `http://127.0.0.1:${port}`;
    const client = new Letta({ baseURL, apiKey: "e2e-password", maxRetries: 0 });

    // An agent with a conversation, a memory edit and archival memory.
    const agent = await client.agents.create({
      name: "af-agent",
      model: "openai/gpt-4o-mini",
      memory_blocks: [
        { label: "human", value: "Name: Bob", limit: 800 },
        { label: "persona", value: "I am a careful assistant.", limit: 500 },
      ],
    });
    await client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "I moved to Lyon." }] });
    await client.agents.passages.create(agent.id, { text: "Bob's first cat was called Pepper." });

    // Export: Letta's document, no key.
    const exported = await client.agents.exportFile(agent.id);
    const doc = typeof exported === "string" ? JSON.parse(exported) : exported;
    const text = JSON.stringify(doc);
    assert.ok(!text.includes("sk-test-agent-file-secret"), "the export holds the OpenAI key");
    assert.ok(!text.includes("e2e-password"), "the export holds the server password");
    for (const key of ["agents", "groups", "blocks", "files", "sources", "tools", "mcp_servers"]) {
      assert.ok(Array.isArray(doc[key]), `${key} is a list`);
    }
    assert.equal(doc.agents.length, 1);
    assert.equal(doc.agents[0].id, "agent-0");
    assert.deepEqual(doc.blocks.map((b) => [b.label, b.limit]).sort(), [["human", 800], ["persona", 500]]);
    assert.ok(doc.blocks.find((b) => b.label === "human").value.includes("Lives in Lyon."));
    assert.ok(doc.agents[0].messages.every((m) => /^message-\d+$/.test(m.id)));
    assert.ok(doc.agents[0].in_context_message_ids.every((id) => doc.agents[0].messages.some((m) => m.id === id)));
    assert.ok(doc.tools.some((t) => t.name === "send_message"));

    // Import it back under a new name.
    const file = await toFile(Buffer.from(JSON.stringify(doc)), "af-agent.af", { type: "application/json" });
    const imported = await client.agents.importFile({ file, name: "af-agent-copy" });
    assert.equal(imported.agent_ids.length, 1);
    const copy = await client.agents.retrieve(imported.agent_ids[0]);
    assert.equal(copy.name, "af-agent-copy");
    assert.notEqual(copy.id, agent.id);
    const blocks = Object.fromEntries((await client.agents.blocks.list(copy.id)).items.map((b) => [b.label, b]));
    assert.ok(blocks.human.value.includes("Lives in Lyon."));
    assert.equal(blocks.persona.limit, 500);
    const original = await client.agents.messages.list(agent.id, { limit: 100, order: "asc" });
    const copied = await client.agents.messages.list(copy.id, { limit: 100, order: "asc" });
    const shape = (page) => page.items.map((m) => [m.message_type, m.date,
      m.content ?? m.reasoning ?? m.tool_call?.name ?? m.tool_return ?? ""]);
    assert.deepEqual(shape(copied), shape(original));
    const passages = await client.agents.passages.list(copy.id);
    assert.deepEqual(passages.map((p) => p.text), ["Bob's first cat was called Pepper."]);

    // Letta's form fields: strip_messages and model are honoured; an embedding override is
    // reported, not silently ignored.
    const stripped = await client.agents.importFile({
      file: await toFile(Buffer.from(JSON.stringify(doc)), "af-agent.af"), name: "af-agent-bare",
      strip_messages: true, model: "openai/gpt-4o-mini", embedding: "openai/text-embedding-3-small",
    });
    assert.ok(stripped.warnings.some((w) => w.includes("'embedding' is not honoured")), JSON.stringify(stripped));
    const bare = await client.agents.messages.list(stripped.agent_ids[0], { limit: 100 });
    assert.equal(bare.items.length, 0);
    await expectStatus(client.agents.importFile({
      file: await toFile(Buffer.from(JSON.stringify(doc)), "af-agent.af"), name: "af-agent-x", model: "nosuch/model",
    }), 422);

    // The copy runs a step with its imported memory.
    const reply = await client.agents.messages.create(copy.id, { messages: [{ role: "user", content: "Where do I live?" }] });
    const said = reply.messages.filter((m) => m.message_type === "assistant_message").map((m) => m.content);
    assert.deepEqual(said, ["You live in Lyon."]);
    const requests = await (await fetch(`http://127.0.0.1:${llmPort}/_requests`)).json();
    const last = requests[requests.length - 1];
    assert.ok(last.messages[0].content.includes("Lives in Lyon."), "the imported memory reached the model");
    const violations = await (await fetch(`http://127.0.0.1:${llmPort}/_violations`)).json();
    assert.deepEqual(violations, []);

    // Bad files: one line, 422, and no agent left behind.
    const count = async () => (await client.agents.list()).items.length;
    const before = await count();
    const bad = async (content, says) => {
      const e = await expectStatus(
        client.agents.importFile({ file: await toFile(Buffer.from(content), "bad.af") }), 422);
      assert.ok(e.message.includes(says), e.message);
      assert.ok(!e.message.includes("\n"), e.message);
    };
    await bad("{\"agents\": [", "the agent file");
    await bad(JSON.stringify(doc).slice(0, 500), "the agent file");
    const dangling = structuredClone(doc);
    dangling.agents[0].block_ids.push("block-99");
    dangling.agents[0].name = "dangling";
    await bad(JSON.stringify(dangling), "block 'block-99'");
    assert.equal(await count(), before);
    // The same name again is a conflict.
    await expectStatus(client.agents.importFile({ file: await toFile(Buffer.from(JSON.stringify(doc)), "again.af") }), 409);

    // 100 MB: the body limit answers 413 before anything is read.
    const huge = Buffer.alloc(100 * 1024 * 1024, 0x20);
    const big = new FormData();
    big.append("file", new Blob([huge]), "huge.af");
    const res = await fetch(`${baseURL}/v1/agents/import`, {
      method: "POST", headers: { Authorization: "Bearer e2e-password" }, body: big,
    }).catch((e) => ({ status: "connection closed: " + e.message }));
    assert.equal(res.status, 413);
    assert.equal(await count(), before);
  } finally {
    await stop();
  }
});
