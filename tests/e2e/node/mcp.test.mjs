// The official MCP TypeScript SDK (@modelcontextprotocol/sdk) as the client of memgpt's MCP
// server: `memgpt mcp` over stdio and `memgpt server`'s /mcp over streamable HTTP, on one home
// with the scripted OpenAI-compatible LLM server behind the agent. Initialise, list the tools,
// call each one, errors for bad arguments and unknown tools, auth refused without the key.
// Usage: MEMGPT_BIN=... SCRIPTED_LLM_BIN=... MEMGPT_NODE_MODULES=... node mcp.test.mjs
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import test from "node:test";

import { requireModule, startScriptedServer } from "./support.mjs";

const memgpt = process.env.MEMGPT_BIN;
const { Client } = requireModule("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = requireModule("@modelcontextprotocol/sdk/client/stdio.js");
const { StreamableHTTPClientTransport } = requireModule("@modelcontextprotocol/sdk/client/streamableHttp.js");
const { McpError } = requireModule("@modelcontextprotocol/sdk/types.js");

const TOOLS = [
  "archival_memory_insert", "archival_memory_search", "conversation_search", "core_memory_append",
  "core_memory_read", "core_memory_replace", "core_memory_set", "list_agents", "list_sources", "search_source",
  "send_message",
];

const scenario = {
  model: "gpt-4o-mini",
  replies: [
    { content: "Greet over stdio.", tool: "send_message", arguments: { message: "Hello from memgpt over stdio." } },
    { content: "Greet over HTTP.", tool: "send_message", arguments: { message: "Hello from memgpt over HTTP." } },
  ],
};

const textOf = (result) => result.content.map((c) => c.text).join("\n");

async function expectToolError(client, name, args, says) {
  const r = await client.callTool({ name, arguments: args });
  assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} should fail: ${JSON.stringify(r)}`);
  assert.match(textOf(r), says);
}

async function expectRpcError(promise, code) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof McpError, `expected an McpError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return;
  }
  assert.fail(`expected JSON-RPC error ${code}, the call succeeded`);
}

// Every tool once, on agent `ada` (the transport's default agent or named).
async function exerciseTools(client, { reply }) {
  const listed = await client.listTools();
  assert.deepEqual(listed.tools.map((t) => t.name).sort(), TOOLS);
  for (const t of listed.tools) {
    assert.ok(t.description.length > 40, `${t.name} needs a description`);
    assert.equal(t.inputSchema.type, "object");
  }

  const agents = await client.callTool({ name: "list_agents", arguments: {} });
  assert.deepEqual(agents.structuredContent.agents.map((a) => a.name), ["ada"]);
  const sources = await client.callTool({ name: "list_sources", arguments: {} });
  assert.deepEqual(sources.structuredContent.sources.map((s) => s.name), ["docs"]);
  const inSource = await client.callTool({ name: "search_source", arguments: { source: "docs", query: "lighthouse keeper", top_k: 1 } });
  assert.match(inSource.structuredContent.results[0].text, /keeper of the lighthouse is Mira/);
  assert.match(inSource.structuredContent.results[0].document, /harbour\.txt/);

  const inserted = await client.callTool({ name: "archival_memory_insert", arguments: { agent: "ada", text: `${reply}: the boat is blue.` } });
  assert.equal(inserted.isError, false, textOf(inserted));
  assert.equal(inserted.structuredContent.ids.length, 1);
  const found = await client.callTool({ name: "archival_memory_search", arguments: { agent: "ada", query: "boat colour", top_k: 5 } });
  assert.ok(found.structuredContent.results.some((r) => r.text === `${reply}: the boat is blue.`), textOf(found));

  const core = await client.callTool({ name: "core_memory_read", arguments: { agent: "ada" } });
  assert.deepEqual(core.structuredContent.blocks.map((b) => b.label).sort(), ["human", "persona"]);
  await client.callTool({ name: "core_memory_set", arguments: { agent: "ada", label: "human", value: "Name: Ada" } });
  await client.callTool({ name: "core_memory_append", arguments: { agent: "ada", label: "human", content: "Likes tea" } });
  const replaced = await client.callTool({
    name: "core_memory_replace", arguments: { agent: "ada", label: "human", old_content: "tea", new_content: "coffee" } });
  assert.equal(replaced.structuredContent.block.value, "Name: Ada\nLikes coffee");
  await expectToolError(client, "core_memory_append", { agent: "ada", label: "human", content: "x".repeat(3000) }, /limit/);

  const sent = await client.callTool({ name: "send_message", arguments: { agent: "ada", message: `Hi, this is the ${reply} client.` } });
  assert.equal(sent.isError, false, textOf(sent));
  assert.equal(textOf(sent), `Hello from memgpt over ${reply}.`);
  const said = await client.callTool({ name: "conversation_search", arguments: { agent: "ada", query: `the ${reply} client` } });
  assert.equal(said.structuredContent.messages.length, 1, textOf(said));

  // Bad arguments are results the assistant can read; an unknown tool is a protocol error.
  await expectToolError(client, "archival_memory_search", { agent: "ada" }, /'query' is required/);
  await expectToolError(client, "archival_memory_search", { agent: "ada", query: "x", top_k: 0 }, /'top_k' must be at least 1/);
  await expectToolError(client, "conversation_search", { agent: "ada", query: 5 }, /'query' must be a string/);
  await expectToolError(client, "core_memory_read", { agent: "nobody" }, /no agent named 'nobody'/);
  await expectRpcError(client.callTool({ name: "drop_tables", arguments: {} }), -32602);
  assert.deepEqual(await client.ping(), {});
}

test("official MCP SDK client drives memgpt mcp (stdio) and memgpt server /mcp (streamable HTTP)", async () => {
  // The home has a data source (for list_sources / search_source) before the server starts.
  const loadDocs = (env, dir) => {
    mkdirSync(path.join(dir, "docs"));
    writeFileSync(path.join(dir, "docs", "harbour.txt"), "The keeper of the lighthouse is Mira. She lights the lamp at dusk.\n");
    execFileSync(memgpt, ["load", "directory", "--name", "docs", "--input-dir", path.join(dir, "docs")], { env, stdio: "ignore" });
  };
  const { env, port, llmPort, stop } = await startScriptedServer(scenario, { prefix: "memgpt-mcp-", prepare: loadDocs });
  let stdio;
  try {
    const created = await fetch(`http://127.0.0.1:${port}/v1/agents`, {
      method: "POST",
      headers: { Authorization: "Bearer e2e-password", "Content-Type": "application/json" },
      body: JSON.stringify({ name: "ada", model: "openai/gpt-4o-mini",
                             memory_blocks: [{ label: "human", value: "Name: Ada", limit: 100 }, { label: "persona", value: "Helpful." }] }),
    });
    assert.equal(created.status, 200, await created.text());

    // stdio: `memgpt mcp --agent ada` as a child of the SDK's transport.
    stdio = new Client({ name: "memgpt-e2e", version: "1.0.0" });
    await stdio.connect(new StdioClientTransport({ command: memgpt, args: ["mcp", "--agent", "ada"], env, stderr: "pipe" }));
    assert.equal(stdio.getServerVersion().name, "memgpt");
    assert.deepEqual(stdio.getServerCapabilities().tools, {});
    await exerciseTools(stdio, { reply: "stdio" });
    // The default agent answers when no `agent` is named.
    const defaulted = await stdio.callTool({ name: "core_memory_read", arguments: { label: "human" } });
    assert.equal(defaulted.structuredContent.blocks[0].value, "Name: Ada\nLikes coffee");
    await stdio.close();

    // Streamable HTTP: /mcp behind the server's auth.
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    const refused = new Client({ name: "memgpt-e2e", version: "1.0.0" });
    await assert.rejects(refused.connect(new StreamableHTTPClientTransport(url)), /401|Unauthorized|credentials/i);
    const wrong = new Client({ name: "memgpt-e2e", version: "1.0.0" });
    await assert.rejects(wrong.connect(new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: "Bearer wrong" } } })), /401|Unauthorized|invalid API key/i);

    const http = new Client({ name: "memgpt-e2e", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: "Bearer e2e-password" } } });
    await http.connect(transport);
    assert.ok(transport.sessionId, "the server issues a session id");
    assert.equal(http.getServerVersion().name, "memgpt");
    await exerciseTools(http, { reply: "HTTP" });
    // What the stdio session wrote is there for the HTTP one (one home).
    const both = await http.callTool({ name: "archival_memory_search", arguments: { agent: "ada", query: "boat", top_k: 10 } });
    assert.equal(both.structuredContent.results.length, 2, textOf(both));
    await transport.terminateSession();
    await http.close();

    const violations = await (await fetch(`http://127.0.0.1:${llmPort}/_violations`)).json();
    assert.deepEqual(violations, []);
  } finally {
    await stdio?.close().catch(() => {});
    await stop();
  }
});
