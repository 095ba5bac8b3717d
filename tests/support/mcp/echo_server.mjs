// A real MCP server built with the official SDK (@modelcontextprotocol/sdk), for the tests of
// memgpt's MCP client. Tools: echo (answers its text), fail (a tool error), hang (never
// answers), crash (the process exits mid-call), mute (closes stdout and lives on), junk (writes
// non-JSON on stdout, stdio only).
// stdio by default; `--http` serves streamable HTTP on 127.0.0.1 (any free port, printed as
// "listening on PORT"). Needs MEMGPT_NODE_MODULES (the e2e npm packages, scripts/setup.sh).
import { closeSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.MEMGPT_NODE_MODULES, "noop.js"));
const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");
const { StreamableHTTPServerTransport } = require("@modelcontextprotocol/sdk/server/streamableHttp.js");
const { z } = require("zod");

function makeServer() {
  const server = new McpServer({ name: "echo", version: "1.0.0" });
  server.registerTool("echo", {
    description: "Answers the text it is given, prefixed with 'echo: '.",
    inputSchema: { text: z.string().describe("What to echo") },
  }, async ({ text }) => ({ content: [{ type: "text", text: `echo: ${text}` }] }));
  server.registerTool("fail", { description: "Always fails.", inputSchema: {} },
    async () => ({ content: [{ type: "text", text: "the fail tool failed on purpose" }], isError: true }));
  server.registerTool("hang", { description: "Never answers.", inputSchema: {} }, () => new Promise(() => {}));
  server.registerTool("crash", { description: "Ends the server mid-call.", inputSchema: {} }, async () => process.exit(3));
  server.registerTool("mute", { description: "Closes stdout and lives on.", inputSchema: {} }, async () => {
    closeSync(1);
    setInterval(() => {}, 1000);
    return new Promise(() => {});
  });
  server.registerTool("junk", { description: "Writes junk on stdout.", inputSchema: {} }, async () => {
    process.stdout.write("this is not JSON-RPC\n");
    return new Promise(() => {});
  });
  return server;
}

if (process.argv.includes("--http")) {
  // Stateless: a fresh server and transport per request, as the SDK's examples do.
  const http = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const server = makeServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => { transport.close(); server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res, body ? JSON.parse(body) : undefined);
  });
  http.listen(0, "127.0.0.1", () => console.log(`listening on ${http.address().port}`));
} else {
  await makeServer().connect(new StdioServerTransport());
}
