#!/usr/bin/env bash
# The main job on the embedded defaults, in a throw-away home folder (your ~/.memgpt is not
# touched unless DEMO_HOME=~/.memgpt): configure the embedded Milvus store, load a document
# shipped in the repo, search it without an LLM, and chat about it when an LLM is available
# (OPENAI_API_KEY set, or MEMGPT_DEMO_ENDPOINT pointing at an OpenAI-compatible server).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${MEMGPT_BIN:-$here/build/release/memgpt}"
export MEMGPT_HOME="${DEMO_HOME:-$(mktemp -d /tmp/memgpt-demo-XXXXXX)}"
doc="$here/docs/examples/memgpt_primer.md"
step() { printf '\n$ %s\n' "$*"; "$@"; }

echo "== memgpt demo (MEMGPT_HOME=$MEMGPT_HOME)"
if [[ -n "${MEMGPT_DEMO_ENDPOINT:-}" ]]; then
  step "$bin" configure --llm-provider openai --model "${MEMGPT_DEMO_MODEL:-gpt-4o-mini}" \
    --model-endpoint "$MEMGPT_DEMO_ENDPOINT" --archival-storage milvus --archival-uri "$MEMGPT_HOME/milvus.db"
else
  step "$bin" configure --archival-storage milvus --archival-uri "$MEMGPT_HOME/milvus.db"
fi
step "$bin" list personas
step "$bin" load directory --name memgpt_primer --input-files="$doc"
step "$bin" list sources
step "$bin" search --source memgpt_primer --top-k 3 "how does the agent keep working after a function call?"

if [[ -n "${OPENAI_API_KEY:-}" || -n "${MEMGPT_DEMO_ENDPOINT:-}" ]]; then
  printf '\n$ memgpt run --persona memgpt_doc -y --first   (input: /attach memgpt_primer, a question)\n'
  printf '/attach memgpt_primer\nWhat are the three tiers of memory in the primer?\n/exit\n' |
    "$bin" run --persona memgpt_doc -y --first --no-verify
else
  cat <<'MSG'

No LLM is configured, so the demo stops before chatting. To chat about the primer:
  export OPENAI_API_KEY=sk-...            # or any OpenAI-compatible server:
  memgpt configure --llm-provider openai --model gpt-4o-mini [--model-endpoint http://localhost:11434/v1]
  memgpt run --persona memgpt_doc         # then: /attach memgpt_primer, and ask a question
(or run `MEMGPT_DEMO_ENDPOINT=http://host:port/v1 make demo`)
MSG
fi
