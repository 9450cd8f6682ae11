# Sourced by ./evk and scripts/test.sh: makes a fresh clone runnable.
# - Node: uses the machine's node when it is >= 22.18 (type stripping on by default),
#   otherwise installs Node 24 LTS from the npm registry's `node` package into the cache
#   and puts it first on PATH for every later step (the machine's npm then runs on it).
# - npm packages: `npm ci` whenever the lockfile or a package.json changed since the last install.
# Nothing is installed globally; everything heavy lives under $EVK_CACHE_DIR.

EVK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export EVK_ROOT
export EVK_CACHE_DIR="${EVK_CACHE_DIR:-$HOME/.cache/evk}"
EVK_NODE_VERSION=24.21.0

evk_die() { echo "evk: $*" >&2; exit 1; }
evk_step() { echo "==> $*" >&2; }

evk_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}

evk_ensure_node() {
  local dir="$EVK_CACHE_DIR/node-v$EVK_NODE_VERSION"
  local bin="$dir/node_modules/node/bin"
  if [ -x "$bin/node" ]; then export PATH="$bin:$PATH"; return 0; fi
  if evk_node_ok; then return 0; fi
  command -v npm >/dev/null 2>&1 || evk_die "npm not found: install Node.js with npm (any version); evk then installs Node $EVK_NODE_VERSION itself"
  evk_step "installing Node $EVK_NODE_VERSION from the npm registry into $dir (machine has $(node --version 2>/dev/null || echo no node))"
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  npm install --prefix "$dir.partial" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node@$EVK_NODE_VERSION" >&2 || evk_die "could not install node@$EVK_NODE_VERSION from the npm registry (is it reachable?)"
  [ -x "$dir.partial/node_modules/node/bin/node" ] || evk_die "node@$EVK_NODE_VERSION installed no binary for $(uname -m)"
  rm -rf "$dir" && mv "$dir.partial" "$dir"
  export PATH="$bin:$PATH"
  evk_step "using node $(node --version)"
}

evk_ensure_npm_packages() {
  local stamp="$EVK_ROOT/node_modules/.evk-install-stamp" sum
  sum=$(cd "$EVK_ROOT" && cat package-lock.json package.json libs/*/package.json services/*/package.json cli/package.json 2>/dev/null \
    | { sha256sum 2>/dev/null || shasum -a 256; } | cut -d' ' -f1)-$(node --version)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then return 0; fi
  evk_step "installing npm packages"
  # `npm install`, not `npm ci`: npm 11 leaves other platforms' optional packages (biome's binaries)
  # out of the lockfile it writes and `npm ci` then refuses that lockfile. With an up-to-date lockfile
  # `npm install` installs exactly the locked versions and leaves the file as it is.
  (cd "$EVK_ROOT" && npm install --no-audit --no-fund --loglevel=error >&2) \
    || evk_die "npm install failed: see npm's message above (the npm registry must be reachable)"
  echo "$sum" > "$stamp"
}

evk_ensure_node
evk_ensure_npm_packages
