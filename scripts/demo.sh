#!/usr/bin/env bash
# The main job on the embedded defaults, in a throw-away home folder (your ~/.memgpt is not
# touched unless you set DEMO_HOME=~/.memgpt): configure, list the built-in personas.
set -euo pipefail
bin="${MEMGPT_BIN:-build/release/memgpt}"
export MEMGPT_HOME="${DEMO_HOME:-$(mktemp -d /tmp/memgpt-demo-XXXXXX)}"
echo "== memgpt demo (MEMGPT_HOME=$MEMGPT_HOME)"
echo "\$ memgpt configure --archival-storage milvus --archival-uri $MEMGPT_HOME/milvus.db"
"$bin" configure --archival-storage milvus --archival-uri "$MEMGPT_HOME/milvus.db"
echo "\$ memgpt list personas"
"$bin" list personas
echo "\$ memgpt list humans"
"$bin" list humans
