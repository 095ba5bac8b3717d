// What the Node e2e tests share: starting a server that binds port 0 and reports the port it got
// (no port is picked before it is bound, so parallel tests cannot collide), tied to the test.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createRequire } from "node:module";
import path from "node:path";

// require() for the npm packages that scripts/setup.sh installs (MEMGPT_NODE_MODULES).
export const requireModule = createRequire(path.join(process.env.MEMGPT_NODE_MODULES, "noop.js"));

const started = new Set();
// A test that dies must not leave its servers running (they would hold ports and files).
process.on("exit", () => {
  for (const child of started) child.kill("SIGKILL");
});

// Starts `cmd args` (with `env`) and resolves { child, port, output } once a line of its stdout
// matches `ready`, a RegExp whose first group is the port. Its stderr is kept in output(), not
// passed to ours: the test runner reads our output until every holder closes it.
export function startServer(cmd, args, { env = process.env, ready }) {
  const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  started.add(child);
  child.on("exit", () => started.delete(child));
  let out = "";
  child.stderr.on("data", (d) => { out += String(d); });
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += String(d);
      const m = out.match(ready);
      if (m) resolve({ child, port: Number(m[1]), output: () => out });
    });
    child.on("exit", (code) => reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}: ${out}`)));
  });
}

// Ends a child started by startServer and resolves once it has exited, so the files it writes
// while shutting down (the home's database, logs) can be removed after: SIGTERM, then SIGKILL
// if it is still running after `graceMs`.
export function stopServer(child, graceMs = 10000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.on("exit", () => { clearTimeout(timer); resolve(); });
    child.kill("SIGTERM");
  });
}

// The ready lines of the servers the tests start (each binds the port given, 0 = any).
export const READY = {
  memgptServer: /running at https?:\/\/[^:]+:(\d+)/,
  milvusServe: /Milvus REST API at http:\/\/[^:]+:(\d+)/,
  scriptedLlm: /listening on (\d+)/,
};

// Awaits `promise` and checks that it failed with the Letta client's APIError of HTTP `status`;
// returns the error.
export async function expectStatus(promise, status) {
  const { APIError } = requireModule("@letta-ai/letta-client");
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof APIError, `expected an APIError, got ${e}`);
    assert.equal(e.status, status, `expected HTTP ${status}, got ${e.status}: ${e.message}`);
    return e;
  }
  assert.fail(`expected HTTP ${status}, the call succeeded`);
}

// A fresh home in a temporary folder, configured for the scripted OpenAI-compatible LLM server
// playing `scenario` (MEMGPT_BIN, SCRIPTED_LLM_BIN), and `memgpt server` on it with the server
// password `password`. `prepare(env, dir)` runs before the server starts (e.g. `memgpt load`).
// Resolves { dir, env, llmPort, port, stop }; stop() ends both servers, waits for them, and
// removes the folder. Whatever fails on the way stops what was started.
export async function startScriptedServer(scenario, { prefix = "memgpt-", password = "e2e-password",
                                                      openaiKey = "sk-test", prepare } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const env = { ...process.env, MEMGPT_HOME: path.join(dir, "home"), MEMGPT_SERVER_PASS: password };
  let llm, server;
  const stop = async () => {
    await Promise.all([stopServer(server), stopServer(llm)]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(path.join(dir, "scenario.json"), JSON.stringify(scenario));
    let llmPort, port;
    ({ child: llm, port: llmPort } = await startServer(
      process.env.SCRIPTED_LLM_BIN, ["--scenario", path.join(dir, "scenario.json"), "--port", "0"],
      { ready: READY.scriptedLlm }));
    execFileSync(process.env.MEMGPT_BIN, ["configure", "--llm-provider", "openai", "--model", "gpt-4o-mini",
                                          "--model-endpoint", `http://127.0.0.1:${llmPort}/v1`, "--openai-key", openaiKey],
                 { env, stdio: "ignore" });
    if (prepare) await prepare(env, dir);
    ({ child: server, port } = await startServer(process.env.MEMGPT_BIN, ["server", "--port", "0"],
                                                 { env, ready: READY.memgptServer }));
    return { dir, env, llmPort, port, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
