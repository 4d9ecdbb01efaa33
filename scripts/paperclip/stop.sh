#!/usr/bin/env bash
# Stop the server that start.sh started (SIGTERM to its pid only; it stops its PostgreSQL itself).
# With --wipe, also delete its data, so the next start.sh onboards a fresh, empty instance.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
R=$PAPERCLIP_E2E_ROOT
pid=$(cat "$R/logs/server.pid" 2>/dev/null || true)
if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
# If the server died without stopping its PostgreSQL, stop that one too (by the pid in its postmaster.pid).
pm=$PAPERCLIP_HOME/instances/default/db/postmaster.pid
pgpid=$(head -1 "$pm" 2>/dev/null || true)
if [ -n "$pgpid" ] && kill -0 "$pgpid" 2>/dev/null && grep -q postgres "/proc/$pgpid/comm" 2>/dev/null; then
  kill -TERM "$pgpid"
  for _ in $(seq 1 40); do kill -0 "$pgpid" 2>/dev/null || break; sleep 0.25; done
fi
rm -f "$R/logs/server.pid"
# Empty mount points start.sh may have made for this root (the mounts themselves died with the server).
M=/tmp/paperclip-e2e-mnt/$(printf %s "$R" | sha1sum | cut -c1-12)
[ -d "$M" ] && rmdir "$M/install" "$M/root" "$M" 2>/dev/null
if [ "${1:-}" = --wipe ]; then
  # Never wipe the shared install, only this instance's data.
  rm -rf "$PAPERCLIP_HOME" "$PAPERCLIP_FAKE_HOME"
fi
exit 0
