// The web interface in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against `memgpt server` (the page compiled into it) with the scripted LLM behind it. One
// browser for the whole run. Signs in, creates an agent, chats (a function call with a
// heartbeat, then the answer), edits a memory block and checks the next request's system
// message, uploads a file into a source, attaches it and finds its passage by archival search.
// Any console error or page error fails the test (the one 401 of the deliberately wrong key is
// expected and checked). Screenshots go to MEMGPT_WEB_ARTIFACTS.
// Usage: MEMGPT_BIN=... SCRIPTED_LLM_BIN=... MEMGPT_NODE_MODULES=<web_node>/node_modules
//        MEMGPT_WEB_ARTIFACTS=<dir> node web_ui.test.mjs
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import test from "node:test";

import { READY, requireModule, startServer, stopServer } from "../node/support.mjs";

const memgpt = process.env.MEMGPT_BIN;
const scriptedLlm = process.env.SCRIPTED_LLM_BIN;
const artifacts = process.env.MEMGPT_WEB_ARTIFACTS;
const { chromium } = requireModule("playwright-core");

const PASSWORD = "web-password";
const scenario = {
  model: "gpt-4o-mini",
  replies: [
    { content: "The user likes lighthouses: worth keeping.", tool: "core_memory_append",
      arguments: { name: "human", content: "Likes lighthouses.", request_heartbeat: true } },
    { content: "Saved. Now I answer.", tool: "send_message", arguments: { message: "Hello Ada, noted!" } },
    { content: "My persona changed.", tool: "send_message", arguments: { message: "I know about lighthouses." } },
  ],
};

// Chromium as the issue asks: headless, no sandbox (root in a container), nothing phoning home,
// a fresh profile.
async function launchBrowser(profile) {
  return chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1280, height: 800 },
  });
}

test("the web interface drives an agent end to end in Chromium", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "memgpt-web-"));
  const env = { ...process.env, MEMGPT_HOME: path.join(dir, "home"), MEMGPT_SERVER_PASS: PASSWORD };
  writeFileSync(path.join(dir, "scenario.json"), JSON.stringify(scenario));
  mkdirSync(artifacts, { recursive: true });
  const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  let llm, server, browser;
  try {
    let llmPort, port;
    ({ child: llm, port: llmPort } = await startServer(
      scriptedLlm, ["--scenario", path.join(dir, "scenario.json"), "--port", "0"], { ready: READY.scriptedLlm }));
    execFileSync(memgpt, ["configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint",
                          `http://127.0.0.1:${llmPort}/v1`, "--openai-key", "sk-test"], { env, stdio: "ignore" });
    ({ child: server, port } = await startServer(memgpt, ["server", "--port", "0"], { env, ready: READY.memgptServer }));
    const base = `http://127.0.0.1:${port}`;

    browser = await launchBrowser(path.join(dir, "chromium-profile"));
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(60000);
    const problems = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

    // The page and its headers.
    const first = await page.goto(`${base}/`);
    assert.equal(first.status(), 200);
    const headers = first.headers();
    assert.match(headers["content-type"], /^text\/html/);
    assert.match(headers["content-security-policy"], /script-src 'self'/);
    assert.equal(headers["cache-control"], "no-cache");
    const timing = await page.evaluate(() => {
      const [nav] = performance.getEntriesByType("navigation");
      return { load: nav.loadEventEnd - nav.startTime, transfer: nav.transferSize };
    });
    console.log(`first load (navigation start to load event end): ${timing.load.toFixed(1)} ms`);

    // A wrong key is refused and says so (its 401 is the one console error we expect).
    await page.fill("#key", "not-the-password");
    await page.click("button[type=submit]");
    await page.getByRole("alert").getByText("refused").waitFor();
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /401/);
    problems.length = 0;
    await shot(page, "01-sign-in");

    await page.fill("#key", PASSWORD);
    await page.click("button[type=submit]");
    await page.getByRole("heading", { name: "Agents" }).waitFor();

    // Create an agent (persona and human start from the saved texts).
    await page.getByRole("heading", { name: "Create an agent" }).waitFor();
    await page.fill("#agent-name", "ui-agent");
    await page.fill("#agent-human", "Name: Ada");
    assert.ok((await page.inputValue("#agent-persona")).length > 0, "a persona text is preset");
    await page.click("text=Create agent");
    await page.getByRole("link", { name: "ui-agent" }).click();
    await page.getByRole("heading", { name: "ui-agent" }).waitFor();
    const agentUrl = page.url();
    assert.match(agentUrl, /\/agents\/[0-9a-f-]{36}$/);

    // Chat: the function call (collapsible, with its arguments and result), the heartbeat, the answer.
    await page.fill("#chat-input", "Hi! I like lighthouses.");
    await page.keyboard.press("Enter");
    await page.locator(".bubble.agent", { hasText: "Hello Ada, noted!" }).waitFor();
    const call = page.locator(".call", { hasText: "core_memory_append" }).first();
    await call.locator("summary").click();
    await call.getByText('"content": "Likes lighthouses."').waitFor();
    await call.getByText("heartbeat requested").waitFor();
    await page.locator(".event.heartbeat", { hasText: "♥ heartbeat" }).first().waitFor();
    await page.locator(".thought", { hasText: "worth keeping" }).waitFor();
    // Core memory was reloaded after the step that changed it.
    await page.waitForFunction(() => document.querySelector("#block-human")?.value.includes("Likes lighthouses."));
    await shot(page, "02-chat");

    // Edit the persona block; the next step's request carries it in the system message.
    await page.fill("#block-persona", "I am Sam, a lighthouse expert.");
    await page.getByRole("button", { name: "Save persona" }).click();
    await page.getByRole("status").getByText("saved").waitFor();
    await page.fill("#chat-input", "What do you know?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator(".bubble.agent", { hasText: "I know about lighthouses." }).waitFor();
    const requests = await (await fetch(`http://127.0.0.1:${llmPort}/_requests`)).json();
    assert.equal(requests.length, 3);
    assert.ok(!requests[1].messages[0].content.includes("I am Sam, a lighthouse expert."));
    assert.ok(requests[2].messages[0].content.includes("I am Sam, a lighthouse expert."),
              requests[2].messages[0].content);
    const violations = await (await fetch(`http://127.0.0.1:${llmPort}/_violations`)).json();
    assert.deepEqual(violations, []);

    // The context window: the parts against the window.
    await page.getByRole("tab", { name: "Context" }).click();
    await page.getByText("tokens (").waitFor();
    const coreRow = await page.locator("tr", { hasText: "Core memory" }).locator("td").textContent();
    assert.ok(Number(coreRow.replace(/\D/g, "")) > 0, coreRow);

    // A deep link survives a reload (the server answers index.html for the page's routes).
    await page.reload();
    await page.getByRole("heading", { name: "ui-agent" }).waitFor();
    await page.locator(".bubble.agent", { hasText: "I know about lighthouses." }).waitFor();

    // Sources: create one and upload a file (progress, then its passages).
    await page.getByRole("link", { name: "Sources" }).click();
    await page.fill("#source-name", "keeper-notes");
    await page.click("text=Create source");
    await page.getByRole("heading", { name: "keeper-notes" }).waitFor();
    await page.setInputFiles("#source-upload", {
      name: "keeper.txt", mimeType: "text/plain",
      buffer: Buffer.from("The lighthouse keeper on the northern cape is named Mira.\n"),
    });
    await page.locator(".files li", { hasText: "keeper.txt" }).waitFor();
    await page.locator(".passage", { hasText: "named Mira" }).waitFor();
    await shot(page, "03-sources");

    // Attach it to the agent, then find its passage by searching archival memory.
    await page.goto(agentUrl);
    await page.getByRole("tab", { name: "Sources" }).click();
    await page.getByRole("button", { name: "Attach keeper-notes" }).click();
    await page.getByRole("button", { name: "Detach keeper-notes" }).waitFor();
    await page.getByRole("tab", { name: "Archival" }).click();
    await page.locator(".passage", { hasText: "named Mira" }).waitFor();  // copied in by the attach
    await page.fill("#archival-insert", "The harbour master of the town is called Tom.");
    await page.getByRole("button", { name: "Insert", exact: true }).click();
    await page.locator(".passage", { hasText: "called Tom" }).waitFor();
    await page.fill("#archival-query", "lighthouse keeper");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("closest to “lighthouse keeper”").waitFor();
    assert.match(await page.locator(".passage").first().textContent(), /named Mira/);
    await shot(page, "04-archival");
    // Back to the pages (an empty search), delete the inserted passage.
    await page.fill("#archival-query", "");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("Page 1").waitFor();
    await page.locator(".passage", { hasText: "called Tom" }).getByRole("button", { name: /Delete passage/ }).click();
    await page.locator(".passage", { hasText: "called Tom" }).waitFor({ state: "detached" });
    await page.locator(".passage", { hasText: "named Mira" }).waitFor();

    // The memory tabs by keyboard (ARIA tabs: the arrow keys move between them).
    await page.getByRole("tab", { name: "Archival" }).focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getByRole("tab", { name: "Recall" }).getAttribute("aria-selected"), "true");
    await page.locator("#recall-query").fill("lighthouses");
    await page.locator(".recall li", { hasText: "I like lighthouses" }).first().waitFor();

    // Narrow window: everything stacks and stays usable.
    await page.getByRole("tab", { name: "Core memory" }).click();
    await page.setViewportSize({ width: 400, height: 800 });
    await page.locator("#block-persona").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 400px window`);
    await shot(page, "05-narrow");
    assert.deepEqual(problems, []);

    // A key the server stops accepting (here: replaced) returns to the sign-in on the next call.
    await page.evaluate(() => sessionStorage.setItem("memgpt.token", "revoked-key"));
    await page.reload();
    await page.locator("#key").waitFor();
    assert.ok(problems.length > 0 && problems.every((p) => /401/.test(p)), problems.join("\n"));
  } finally {
    await browser?.close();
    await Promise.all([stopServer(server), stopServer(llm)]);
    rmSync(dir, { recursive: true, force: true });
  }
});
