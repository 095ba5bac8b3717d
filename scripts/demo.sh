#!/usr/bin/env bash
# The main job on the embedded defaults, in a throw-away home folder (your ~/.memgpt is not
# touched unless DEMO_HOME=~/.memgpt): configure the embedded Milvus store, load a document
# shipped in the repo, search it without an LLM, then chat about it: with the packaged local
# model run in process (offline, the default), or with OPENAI_API_KEY set, or with
# MEMGPT_DEMO_ENDPOINT pointing at an OpenAI-compatible server. DEMO_SKIP_SEARCH=1 skips the
# search without an LLM (the chat only, as tests/e2e runs it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${MEMGPT_BIN:-$here/build/release/memgpt}"
export MEMGPT_HOME="${DEMO_HOME:-$(mktemp -d /tmp/memgpt-demo-XXXXXX)}"
doc="$here/docs/examples/memgpt_primer.md"
step() { printf '\n$ %s\n' "$*"; "$@"; }

echo "== memgpt demo (MEMGPT_HOME=$MEMGPT_HOME)"
chat=local
if [[ -n "${MEMGPT_DEMO_ENDPOINT:-}" ]]; then
  chat=remote
  step "$bin" configure --llm-provider openai --model "${MEMGPT_DEMO_MODEL:-gpt-4o-mini}" \
    --model-endpoint "$MEMGPT_DEMO_ENDPOINT" --archival-storage milvus --archival-uri "$MEMGPT_HOME/milvus.db"
elif [[ -n "${OPENAI_API_KEY:-}" ]]; then
  chat=remote
  step "$bin" configure --archival-storage milvus --archival-uri "$MEMGPT_HOME/milvus.db"
elif ! step "$bin" configure --llm-provider local --model smollm2-135m-instruct \
    --archival-storage milvus --archival-uri "$MEMGPT_HOME/milvus.db"; then
  chat=none  # built without llama.cpp: configure the store only
  step "$bin" configure --archival-storage milvus --archival-uri "$MEMGPT_HOME/milvus.db"
fi
[[ -n "${DEMO_SKIP_SEARCH:-}" ]] || step "$bin" list personas
step "$bin" load directory --name memgpt_primer --input-files="$doc"
if [[ -z "${DEMO_SKIP_SEARCH:-}" ]]; then
  step "$bin" list sources
  step "$bin" search --source memgpt_primer --top-k 3 "how does the agent keep working after a function call?"
fi

question="What are the three tiers of memory in the primer?"
case "$chat" in
  remote)
    printf '\n$ memgpt run --persona memgpt_doc -y --first   (input: /attach memgpt_primer, a question)\n'
    printf '/attach memgpt_primer\n%s\n/exit\n' "$question" |
      "$bin" run --persona memgpt_doc -y --first --no-verify
    ;;
  local)
    # A 135M-parameter model on the CPU: it rarely decides to search by itself, so the turn starts
    # with a search (--first-function) and its second step answers (--max-steps 2). Its answers
    # are short on sense; every call it makes parses (the grammar), which is the point here.
    printf '\n$ memgpt run --persona memgpt_doc -y --first --first-function archival_memory_search --max-steps 2\n'
    printf '  (--debug shows what each call returned; input: /attach memgpt_primer, then: %s)\n' "$question"
    started=$SECONDS
    printf '/attach memgpt_primer\n%s\n/exit\n' "$question" |
      "$bin" run --persona memgpt_doc -y --first --no-verify --debug --first-function archival_memory_search --max-steps 2
    printf '\n(the chat took %ss on the packaged model, %s thread(s); a bigger GGUF: docs/llm-backends.md)\n' \
      "$((SECONDS - started))" "${MEMGPT_LLM_THREADS:-up to 4}"
    ;;
  none)
    cat <<'MSG'

This memgpt was built without the in-process model, so the demo stops before chatting. Run
scripts/setup.sh and rebuild for the offline chat, or connect an LLM:
  export OPENAI_API_KEY=sk-...            # or any OpenAI-compatible server:
  memgpt configure --llm-provider openai --model gpt-4o-mini [--model-endpoint http://localhost:11434/v1]
  memgpt run --persona memgpt_doc         # then: /attach memgpt_primer, and ask a question
(or run `MEMGPT_DEMO_ENDPOINT=http://host:port/v1 make demo`)
MSG
    ;;
esac
