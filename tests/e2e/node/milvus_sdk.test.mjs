// The official Milvus Node SDK's REST client (HttpClient) against `memgpt milvus serve`:
// create, insert, search, query, get, delete, with every result checked.
// Usage: MEMGPT_BIN=... MEMGPT_NODE_MODULES=... node milvus_sdk.test.mjs
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import test from "node:test";

import { READY, requireModule, startServer, stopServer } from "./support.mjs";

const memgpt = process.env.MEMGPT_BIN;
const { HttpClient } = requireModule("@zilliz/milvus2-sdk-node");

test("Milvus Node SDK HttpClient drives memgpt milvus serve", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "memgpt-sdk-"));
  let server;
  try {
    let port;
    ({ child: server, port } = await startServer(
      memgpt, ["milvus", "serve", "--uri", path.join(dir, "milvus.db"), "--port", "0", "--token", "root:Milvus"],
      { ready: READY.milvusServe }));
    const client = new HttpClient({ endpoint: `http://127.0.0.1:${port}`, username: "root", password: "Milvus" });

    let r = await client.createCollection({ collectionName: "books", dimension: 4, metricType: "COSINE",
                                            idType: "VarChar", params: { max_length: 64 } });
    assert.equal(r.code, 0, JSON.stringify(r));
    r = await client.hasCollection({ collectionName: "books" });
    assert.equal(r.code, 0);
    assert.equal(r.data.has, true);
    r = await client.describeCollection({ collectionName: "books" });
    assert.equal(r.data.collectionName, "books");
    assert.equal(r.data.fields.find((f) => f.name === "vector").params[0].value, "4");

    r = await client.insert({ collectionName: "books", data: [
      { id: "dune", vector: [1, 0, 0, 0], title: "Dune", year: 1965 },
      { id: "neuromancer", vector: [0, 1, 0, 0], title: "Neuromancer", year: 1984 },
      { id: "foundation", vector: [0.9, 0.1, 0, 0], title: "Foundation", year: 1951 },
    ] });
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.equal(r.data.insertCount, 3);
    assert.deepEqual(r.data.insertIds, ["dune", "neuromancer", "foundation"]);

    r = await client.search({ collectionName: "books", data: [[1, 0, 0, 0]], limit: 2, outputFields: ["title", "year"] });
    assert.equal(r.code, 0, JSON.stringify(r));
    assert.equal(r.data.length, 2);
    assert.equal(r.data[0].id, "dune");
    assert.equal(r.data[0].title, "Dune");
    assert.ok(Math.abs(r.data[0].distance - 1) < 1e-5);
    assert.equal(r.data[1].id, "foundation");

    r = await client.search({ collectionName: "books", data: [[1, 0, 0, 0]], limit: 5, filter: "year > 1960", outputFields: ["title"] });
    assert.deepEqual(r.data.map((x) => x.id), ["dune", "neuromancer"]);

    r = await client.query({ collectionName: "books", filter: "year < 1970", outputFields: ["title", "year"] });
    assert.equal(r.code, 0);
    assert.deepEqual(r.data.map((x) => x.title).sort(), ["Dune", "Foundation"]);
    // The SDK asks for Int64 as strings by default (Accept-Type-Allow-Int64: false).
    assert.equal(typeof r.data[0].year, "string");

    r = await client.query({ collectionName: "books", filter: "", outputFields: ["count(*)"] });
    assert.equal(Number(r.data[0]["count(*)"]), 3);

    r = await client.get({ collectionName: "books", id: ["neuromancer"], outputFields: ["title"] });
    assert.equal(r.data[0].title, "Neuromancer");

    r = await client.delete({ collectionName: "books", filter: 'id in ["dune"]' });
    assert.equal(r.code, 0);
    r = await client.query({ collectionName: "books", filter: 'id == "dune"', outputFields: ["title"] });
    assert.equal(r.data.length, 0);

    r = await client.search({ collectionName: "missing", data: [[1, 0, 0, 0]], limit: 1 });
    assert.equal(r.code, 100);

    const stranger = new HttpClient({ endpoint: `http://127.0.0.1:${port}`, token: "wrong" });
    r = await stranger.listCollections();
    assert.equal(r.code, 1800);

    r = await client.dropCollection({ collectionName: "books" });
    assert.equal(r.code, 0);
    r = await client.listCollections();
    assert.deepEqual(r.data, []);
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});
