// The web interface's first load in headless Chromium: for each of N fresh browser contexts (an
// empty cache), the time from navigation start to the end of the load event of `/`, and the
// bytes of the page's script, style and HTML as served (the server sends them uncompressed) and
// gzipped. Starts its own `memgpt server` on a free loopback port.
// Usage: MEMGPT_BIN=build/release/memgpt node bench/web/first_load.mjs [runs=10]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";

const here = path.dirname(new URL(import.meta.url).pathname);
process.env.MEMGPT_NODE_MODULES ??= path.join(here, "../../web/node_modules");
const { READY, startServer, stopServer } = await import("../../tests/e2e/node/support.mjs");
const require = createRequire(path.join(here, "../../web/node_modules/noop.js"));
const { chromium } = require("playwright-core");
const runs = Number(process.argv[2] ?? 10);

const dir = mkdtempSync(path.join(os.tmpdir(), "memgpt-web-bench-"));
const env = { ...process.env, MEMGPT_HOME: path.join(dir, "home"), MEMGPT_SERVER_PASS: "bench" };
const { child: server, port } = await startServer(process.env.MEMGPT_BIN, ["server", "--port", "0", "--quiet"],
                                                  { env, ready: READY.memgptServer });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const base = `http://127.0.0.1:${port}`;
  const sizes = {};
  const loads = [];
  for (let i = 0; i < runs; ++i) {
    const context = await browser.newContext();
    const page = await context.newPage();
    if (i === 0) {
      page.on("response", async (r) => {
        const body = await r.body().catch(() => null);
        if (body) sizes[new URL(r.url()).pathname] = { raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
      });
    }
    await page.goto(`${base}/`, { waitUntil: "load" });
    await page.locator("#key").waitFor();  // the sign-in rendered
    loads.push(await page.evaluate(() => {
      const [nav] = performance.getEntriesByType("navigation");
      return nav.loadEventEnd - nav.startTime;
    }));
    await context.close();
  }
  loads.sort((a, b) => a - b);
  for (const [p, s] of Object.entries(sizes)) console.log(`${p}: ${s.raw} bytes raw, ${s.gzip} gzip -9`);
  console.log(`first load, navigation start to load event end, ${runs} fresh contexts: ` +
              `median ${loads[Math.floor(runs / 2)].toFixed(1)} ms, min ${loads[0].toFixed(1)}, max ${loads[runs - 1].toFixed(1)}`);
} finally {
  await browser.close();
  await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
}
