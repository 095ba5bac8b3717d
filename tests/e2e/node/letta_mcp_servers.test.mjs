// The official Letta TypeScript client (@letta-ai/letta-client) registers another MCP server on
// `memgpt server` through its current routes (client.mcpServers: /v1/mcp-servers/...), lists it
// and its tools, attaches a tool to an agent (client.agents.tools.attach), and the agent calls
// it in a step played by the scripted LLM: the server is the real one built with the official
// MCP SDK (tests/support/mcp/echo_server.mjs). The agent's export carries the tool and its
// server (secrets as null); the operator's import attaches it again, a user's reports it.
// Deleting the server is seen by both route families (/v1/tools/mcp/servers is the same
// registry).
// Usage: MEMGPT_BIN=... SCRIPTED_LLM_BIN=... MEMGPT_NODE_MODULES=... node letta_mcp_servers.test.mjs
import path from "node:path";
import assert from "node:assert/strict";
import test from "node:test";
import { fileURLToPath } from "node:url";

import { expectStatus, requireModule, startScriptedServer } from "./support.mjs";

const { Letta, toFile } = requireModule("@letta-ai/letta-client");
const echoServer = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "support", "mcp", "echo_server.mjs");

const scenario = {
  model: "gpt-4o-mini",
  replies: [
    { content: "Echoing.", tool: "echo", arguments: { text: "from the Letta client", request_heartbeat: true } },
    { content: "Report.", tool: "send_message", arguments: { message: "The echo answered." } },
  ],
};

test("the Letta client registers an MCP server, lists its tools and attaches one the agent calls", async () => {
  const { port, llmPort, stop } = await startScriptedServer(scenario, { prefix: "memgpt-letta-mcp-" });
  try {
    const client = new Letta({ baseURL: `http://127.0.0.1:${port}`, apiKey: "e2e-password", maxRetries: 0 });

    // Register: the answer is Letta's StdioMcpServer, its id the name, secrets as null.
    const created = await client.mcpServers.create({
      server_name: "tools",
      config: { mcp_server_type: "stdio", command: "node", args: [echoServer],
                env: { MEMGPT_NODE_MODULES: process.env.MEMGPT_NODE_MODULES } },
    });
    assert.equal(created.id, "tools");
    assert.equal(created.server_name, "tools");
    assert.equal(created.mcp_server_type, "stdio");
    assert.deepEqual(created.args, [echoServer]);
    assert.deepEqual(created.env, { MEMGPT_NODE_MODULES: null });
    await expectStatus(client.mcpServers.create({ server_name: "tools", config: { command: "node", args: [] } }), 409);
    await expectStatus(client.mcpServers.create({ server_name: "old", config: { mcp_server_type: "sse",
                                                                                 server_url: "https://x.example/sse" } }), 422);

    const listed = await client.mcpServers.list();
    assert.deepEqual(listed.map((s) => s.server_name), ["tools"]);
    assert.equal((await client.mcpServers.retrieve("tools")).command, "node");
    await expectStatus(client.mcpServers.retrieve("nowhere"), 404);
    // A wrong key is refused, as on every route.
    const stranger = new Letta({ baseURL: `http://127.0.0.1:${port}`, apiKey: "wrong", maxRetries: 0 });
    await expectStatus(stranger.mcpServers.list(), 401);

    // Its tools, as Letta's Tool objects whose ids attach them.
    const tools = await client.mcpServers.tools.list("tools");
    const echo = tools.find((t) => t.name === "echo");
    assert.ok(echo, JSON.stringify(tools));
    assert.equal(echo.id, "mcp:tools:echo");
    assert.equal(echo.tool_type, "external_mcp");
    assert.equal(echo.json_schema.parameters.properties.text.type, "string");
    await expectStatus(client.mcpServers.tools.list("nowhere"), 404);

    const agent = await client.agents.create({
      name: "mcp-agent", model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada" }, { label: "persona", value: "Helpful." }],
    });
    const attached = await client.agents.tools.attach(echo.id, { agent_id: agent.id });
    assert.ok(attached.tools.some((t) => t.id === "mcp:tools:echo" && t.tool_type === "external_mcp"));

    const reply = await client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "Echo please" }] });
    const returned = reply.messages.find((m) => m.message_type === "tool_return_message");
    assert.ok(returned, JSON.stringify(reply.messages));
    assert.match(returned.tool_return, /echo: from the Letta client/);
    assert.equal(reply.messages.at(-1).content, "The echo answered.");

    // Agent Files: the tool in Letta's shape, its server beside it without the secret.
    const exported = await client.agents.exportFile(agent.id);
    const doc = typeof exported === "string" ? JSON.parse(exported) : exported;
    assert.ok(!JSON.stringify(doc).includes(process.env.MEMGPT_NODE_MODULES), "the export holds the server's env value");
    assert.deepEqual(doc.mcp_servers.map((m) => [m.id, m.server_name, m.server_type]), [["mcp_server-0", "tools", "stdio"]]);
    assert.deepEqual(doc.mcp_servers[0].env, { MEMGPT_NODE_MODULES: null });
    const fileTool = doc.tools.find((t) => t.tool_type === "external_mcp");
    assert.equal(fileTool.name, "echo");
    assert.equal(fileTool.metadata_.mcp.server_id, "mcp_server-0");
    const asFile = async (name) => toFile(Buffer.from(JSON.stringify(doc)), name, { type: "application/json" });
    // The operator's import reuses the registered server (same command) and attaches the tool.
    const copied = await client.agents.importFile({ file: await asFile("mcp.af"), name: "mcp-agent-copy" });
    assert.deepEqual(copied.warnings, []);
    const copy = await client.agents.retrieve(copied.agent_ids[0]);
    assert.ok(copy.tools.some((t) => t.id === "mcp:tools:echo"), JSON.stringify(copy.tools));
    // A user of the server may not bring MCP tools (registering one runs a command here): reported.
    const made = await fetch(`http://127.0.0.1:${port}/v1/admin/users`, {
      method: "POST", headers: { Authorization: "Bearer e2e-password", "Content-Type": "application/json" },
      body: JSON.stringify({ name: "carol" }) });
    assert.equal(made.status, 200);
    const carol = new Letta({ baseURL: `http://127.0.0.1:${port}`, apiKey: (await made.json()).api_key, maxRetries: 0 });
    const theirs = await carol.agents.importFile({ file: await asFile("mcp.af"), name: "carols-agent",
                                                   model: "openai/gpt-4o-mini" });
    assert.ok(theirs.warnings.some((w) => w.includes("MCP tool 'echo' (server 'tools') is not imported")),
              JSON.stringify(theirs.warnings));
    const theirAgent = await carol.agents.retrieve(theirs.agent_ids[0]);
    assert.ok(!theirAgent.tools.some((t) => t.tool_type === "external_mcp"), JSON.stringify(theirAgent.tools));
    await expectStatus(carol.mcpServers.list(), 403);

    const detached = await client.agents.tools.detach(echo.id, { agent_id: agent.id });
    assert.ok(!detached.tools.some((t) => t.id === "mcp:tools:echo"));

    // Deleted through the current routes, gone from the older ones too.
    await client.mcpServers.delete("tools");
    assert.deepEqual(await client.mcpServers.list(), []);
    const older = await fetch(`http://127.0.0.1:${port}/v1/tools/mcp/servers`, { headers: { Authorization: "Bearer e2e-password" } });
    assert.deepEqual(await older.json(), {});
    await expectStatus(client.mcpServers.delete("tools"), 404);

    const violations = await (await fetch(`http://127.0.0.1:${llmPort}/_violations`)).json();
    assert.deepEqual(violations, []);
  } finally {
    await stop();
  }
});
