#!/usr/bin/env bash
# The web UI's end-to-end run: installs what it needs (Debian's chromium, the npm test package),
# builds and starts the e2e server (NAV simulator synced into SQLite, API + UI on 127.0.0.1;
# with a moto Cognito when moto is installed) and runs the tests in headless Chromium; then runs
# them again against `navsync serve` (data from `navsync demo`, tokens from `navsync token
# create`). Stops every process it started by PID. Screenshots go to target/ui-screenshots/. The last line printed is
# "N passed, M failed"; the exit status is non-zero on any failure.
# NAVSYNC_E2E_BULK: invoices of the large taxpayer written into the store (default 100000; 0: none).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
started=$(date +%s)
work="$(mktemp -d)"
pids=()

finish() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT

passed=0
failed=0
fail() {
  echo "run.sh: $*" >&2
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
}

log() { echo "run.sh: $*" >&2; }

# --- browser: Debian's chromium, never a browser download ---
chromium_bin="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
  log "installing chromium from Debian"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null || fail "cannot install chromium"
fi
[ -x "$chromium_bin" ] || fail "no chromium at $chromium_bin"

# --- the test package (playwright-core only; it downloads no browser) ---
command -v node >/dev/null || fail "node is needed (Debian: apt-get install nodejs npm)"
command -v python3 >/dev/null || fail "python3 is needed"
(cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
  || fail "npm ci failed in apps/web/e2e"

# --- the server ---
target="${CARGO_TARGET_DIR:-$root/target}"
log "building the e2e server"
(cd "$root" && cargo build --quiet -p navsync-web --example e2e-server) || fail "cargo build failed"
server="$target/debug/examples/e2e-server"

# Answers 2xx? (python3 rather than curl, which a fresh machine may lack.)
http_ok() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" >/dev/null 2>&1; }
port_free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cognito_args=()
moto_url=""
if command -v moto_server >/dev/null 2>&1 && python3 -c 'import moto, boto3' 2>/dev/null; then
  moto_port="$(port_free)"
  moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
  pids+=("$!")
  moto_url="http://127.0.0.1:$moto_port"
  for _ in $(seq 1 100); do
    http_ok "$moto_url/moto-api/" && break
    sleep 0.2
  done
  python3 "$here/cognito_setup.py" pool "$moto_url" >"$work/pool.json" || fail "cannot set up Cognito in moto"
  pool="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pool"])' "$work/pool.json")"
  client="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client"])' "$work/pool.json")"
  cognito_args=(--cognito-endpoint "$moto_url" --cognito-pool "$pool" --cognito-client "$client" --cognito-region us-east-1)
else
  log "moto not installed: the Cognito sign-in test is skipped"
fi

"$server" --port 0 --bulk "${NAVSYNC_E2E_BULK:-100000}" "${cognito_args[@]}" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 1 1200); do
  [ -s "$work/server.out" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; fail "the e2e server exited"; }
  sleep 0.5
done
[ -s "$work/server.out" ] || { cat "$work/server.err" >&2; fail "the e2e server did not start in 600 s"; }
cat "$work/server.err" >&2

info="$work/server.out"
if [ -n "$moto_url" ]; then
  taxpayer="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["taxpayers"][0])' "$info")"
  python3 "$here/cognito_setup.py" user "$moto_url" "$pool" "$taxpayer" >"$work/user.json" || fail "cannot create the Cognito user"
  python3 - "$info" "$work/user.json" "$work/info.json" <<'PY'
import json, sys
info = json.loads(open(sys.argv[1]).readline())
info["cognito"] = json.load(open(sys.argv[2]))
json.dump(info, open(sys.argv[3], "w"))
PY
  info="$work/info.json"
fi

# --- the tests: first against the e2e server, then against `navsync serve` ---
shots="$root/target/ui-screenshots"
rm -rf "$shots"
run_tests() { # info-file screenshot-dir label
  log "tests against $3"
  set +e
  NAVSYNC_E2E_INFO="$1" SCREENSHOT_DIR="$2" CHROMIUM="$chromium_bin" node "$here/ui.test.mjs" | tee "$work/tests.out"
  set -e
  local line
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/tests.out" | tail -1)"
  if [ -z "$line" ]; then
    failed=$((failed + 1))
  else
    passed=$((passed + ${line%% passed*}))
    failed=$((failed + $(echo "$line" | sed -E 's/.*, ([0-9]+) failed/\1/')))
  fi
}
run_tests "$info" "$shots" "the e2e server (examples/e2e-server.rs)"
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true

# `navsync serve` over a data directory that `navsync demo` filled from the simulator, with
# tokens from `navsync token create`. Skipped (and said so) while the CLI does not build.
navsync="$target/debug/navsync"
if (cd "$root" && cargo build --quiet -p navsync-cli) 2>"$work/cli-build.err" && [ -x "$navsync" ]; then
  data="$work/serve-data"
  demo_port="$(port_free)"
  "$navsync" demo --port "$demo_port" --invoices 150 --data-dir "$data" >"$work/demo.out" 2>"$work/demo.err" &
  demo_pid=$!
  pids+=("$demo_pid")
  for _ in $(seq 1 1200); do
    grep -q '^eyJ' "$work/demo.out" 2>/dev/null && break
    kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.err" >&2; fail "navsync demo exited"; }
    sleep 0.5
  done
  grep -q '^eyJ' "$work/demo.out" || fail "navsync demo did not finish its sync in 600 s"
  kill "$demo_pid"
  wait "$demo_pid" 2>/dev/null || true
  mapfile -t tps < <(grep -oE 'simulated taxpayer [0-9]{8}' "$work/demo.err" | awk '{print $3}')
  [ "${#tps[@]}" -ge 2 ] || fail "navsync demo named no taxpayers"
  mint() { "$navsync" token create --data-dir "$data" --valid-for-hours 1 "$@"; }
  reader="$(mint --taxpayer "${tps[0]}" --taxpayer "${tps[1]}" --role reader --subject e2e-reader)"
  admin="$(mint --taxpayer "${tps[0]}" --taxpayer "${tps[1]}" --role admin --subject e2e-admin)"
  serve_port="$(port_free)"
  "$navsync" serve --data-dir "$data" --bind "127.0.0.1:$serve_port" >"$work/serve.out" 2>"$work/serve.err" &
  serve_pid=$!
  pids+=("$serve_pid")
  for _ in $(seq 1 200); do
    http_ok "http://127.0.0.1:$serve_port/health" && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.err" >&2; fail "navsync serve exited"; }
    sleep 0.2
  done
  python3 - "$work/serve-info.json" "http://127.0.0.1:$serve_port" "${tps[0]}" "${tps[1]}" "$reader" "$admin" <<'PY'
import json, sys
out, url, a, b, reader, admin = sys.argv[1:]
# No sync_now: `navsync serve` without a configuration has no NAV credentials to sync with.
json.dump({"url": url, "taxpayers": [a, b], "tokens": {"reader_all": reader, "admin": admin},
           "sync_now": False}, open(out, "w"))
PY
  run_tests "$work/serve-info.json" "$shots/navsync-serve" "navsync serve"
else
  log "navsync-cli does not build here; the navsync serve pass is skipped:"
  tail -5 "$work/cli-build.err" >&2
fi

log "screenshots in $shots; took $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
