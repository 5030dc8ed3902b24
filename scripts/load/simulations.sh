#!/usr/bin/env bash
# Load test of POST /api/v1/simulations on loopback with wrk (Debian package `wrk`).
#
# Builds the release binary, starts `omnia serve` on a free port with a throw-away
# data folder (default SQLite, demo data loaded), posts a worked example for a
# bounded time, prints requests/s and p99, and stops the server.
#
#   scripts/load/simulations.sh
#   DURATION=20s THREADS=2 CONNECTIONS=64 EXAMPLE=cigo-one-third-partial scripts/load/simulations.sh
#   OMNIA_BIN=path/to/omnia scripts/load/simulations.sh      (skip the build)
#
# The server logs as in production (OMNIA_LOG unset: info). Figures and the machine they were taken on: docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

duration=${DURATION:-20s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-64}
example=${EXAMPLE:-cigo-one-third-partial}
body_file="$repo/docs/rules/examples/$example.input.json"
[[ -f "$body_file" ]] || { echo "load: no example $body_file" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
  echo "load: wrk is missing (apt-get install -y wrk)" >&2
  exit 1
fi

if [[ -z "${OMNIA_BIN:-}" ]]; then
  cargo build --release -p omnia --bin omnia
  OMNIA_BIN="${CARGO_TARGET_DIR:-$repo/target}/release/omnia"
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
env -u OMNIA_DATABASE_URL "$OMNIA_BIN" serve --listen "127.0.0.1:$port" \
  --data-dir "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
  if curl -fsS "$base/api/v1/status" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "load: the server stopped:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.25
done

# One request first: the body must give a verdict (200), not a problem.
status=$(curl -sS -o "$work/verdict.json" -w '%{http_code}' -H 'content-type: application/json' \
  --data-binary "@$body_file" "$base/api/v1/simulations")
if [[ "$status" != 200 ]]; then
  echo "load: $example answers $status:" >&2
  cat "$work/verdict.json" >&2
  exit 1
fi

cat >"$work/post.lua" <<LUA
local f = assert(io.open("$body_file", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

echo "load: POST /api/v1/simulations ($example, $(wc -c <"$body_file") bytes), wrk -t$threads -c$connections -d$duration, $(nproc) cores"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$base/api/v1/simulations" \
  | tee "$work/wrk.txt"

rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
errors=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.txt")
echo
echo "RESULT requests/s=$rps p99=$p99 non_2xx=${errors:-0}"
if [[ -n "${errors:-}" && "${errors}" != 0 ]]; then
  echo "load: some answers were not 2xx" >&2
  exit 1
fi
