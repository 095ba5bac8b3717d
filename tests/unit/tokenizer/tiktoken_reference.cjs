// Reference token ids from tiktoken itself (npm tiktoken, WASM build of OpenAI's Rust code).
// Usage: node tiktoken_reference.cjs <tiktoken package dir> <corpus dir> <out.json>
// Each corpus file is read as bytes and decoded as UTF-8 the way Node does (invalid sequences
// become U+FFFD), then encoded with both encodings, ordinary and with special tokens allowed.
const fs = require("fs");
const path = require("path");
const [pkg, corpusDir, outFile] = process.argv.slice(2);
const { get_encoding } = require(path.join(pkg, "tiktoken.cjs"));
const out = {};
const encodings = ["cl100k_base", "o200k_base"].map((name) => [name, get_encoding(name)]);
for (const file of fs.readdirSync(corpusDir).sort()) {
  const text = fs.readFileSync(path.join(corpusDir, file)).toString("utf8");
  out[file] = {};
  for (const [name, enc] of encodings) {
    out[file][name] = {
      ordinary: Array.from(enc.encode_ordinary(text)),
      special: Array.from(enc.encode(text, "all")),
    };
  }
}
for (const [, enc] of encodings) enc.free();
fs.writeFileSync(outFile, JSON.stringify(out));
