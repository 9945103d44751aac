#!/usr/bin/env bash
# Prints the path of a Node.js binary that can run Tollgate (major >= 22).
# A system node that is new enough is used as it is; an older one (the machines
# ship Node 20) gets Node 24 from the npm registry's `node` package, installed
# project-locally under .toolchain/ and reused from then on.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="${TOLLGATE_NODE_VERSION:-24.21.0}"
local_node="$root/.toolchain/node_modules/node/bin/node"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$local_node" ] && [ "$(major_of "$local_node")" -ge 22 ]; then
  echo "$local_node"; exit 0
fi
if command -v node >/dev/null 2>&1 && [ "$(major_of "$(command -v node)")" -ge 22 ]; then
  command -v node; exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "ensure-node: no node >= 22 and no npm to fetch one" >&2; exit 1; }
echo "ensure-node: system node is $(node --version 2>/dev/null || echo missing); installing node@$want into .toolchain/" >&2
mkdir -p "$root/.toolchain"
npm install --prefix "$root/.toolchain" --no-save --no-audit --no-fund --loglevel=error "node@$want" >&2
[ -x "$local_node" ] || { echo "ensure-node: node@$want did not install a binary at $local_node" >&2; exit 1; }
echo "$local_node"
