// node tiktoken_bench.cjs <tiktoken package dir> FILE: tiktoken's own throughput on FILE.
const fs = require("fs");
const path = require("path");
const [pkg, file] = process.argv.slice(2);
const { get_encoding } = require(path.join(pkg, "tiktoken.cjs"));
const text = fs.readFileSync(file).toString("utf8");
const mb = Buffer.byteLength(text) / 1e6;
for (const name of ["cl100k_base", "o200k_base"]) {
  const enc = get_encoding(name);
  enc.encode_ordinary("warm up");
  const t = process.hrtime.bigint();
  const n = enc.encode_ordinary(text).length;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`tiktoken ${name}: ${n} tokens, ${(mb / s).toFixed(2)} MB/s, ${(n / s).toFixed(0)} tokens/s`);
  enc.free();
}
