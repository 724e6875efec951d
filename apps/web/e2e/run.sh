#!/usr/bin/env bash
# The web UI's end-to-end run: installs what it needs (Debian's chromium, the npm test package,
# moto in target/moto-venv as the Rust AWS harness does), builds and starts the e2e server (NAV
# simulator synced into SQLite, API + UI on 127.0.0.1, sign-in through a moto Cognito) and runs
# the tests in headless Chromium, where every test must run; then runs them again against
# `navsync serve` (data from `navsync demo`, tokens from `navsync token create`), where the tests
# needing what `navsync serve` lacks (Cognito, the bulk taxpayer, reader/expired tokens) are
# skipped by name. A missing prerequisite or a server that does not start is a failure.
# Every server binds 127.0.0.1:0 itself and prints its address; the script waits for that line
# (no polling) and stops each process it started by PID. Screenshots go to target/ui-screenshots/.
# The last line printed is "N passed, M failed"; the exit status is non-zero on any failure.
# NAVSYNC_E2E_BULK: invoices of the large taxpayer written into the store (default 100000; 0: none,
# and the large-taxpayer test then fails, as every test must run against the e2e server).
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

# start NAME STREAM PATTERN CMD...: starts CMD in the background with STREAM (stdout or stderr)
# into a pipe, waits for the line matching the extended regex PATTERN, and sets `started_line` to
# it, `started_group` to PATTERN's first group and `started_pid` to CMD's PID. Fails if CMD exits
# first. Everything CMD writes goes to $work/NAME.log (the other stream to $work/NAME.other);
# after the line a `cat` drains the pipe, so a chatty server never blocks on a full one.
start() {
  local name="$1" stream="$2" pattern="$3"
  shift 3
  local fifo="$work/$name.fifo" log="$work/$name.log" line fd
  mkfifo "$fifo"
  if [ "$stream" = stdout ]; then
    "$@" >"$fifo" 2>"$work/$name.other" &
  else
    "$@" 2>"$fifo" >"$work/$name.other" &
  fi
  started_pid=$!
  pids+=("$started_pid")
  exec {fd}<"$fifo"
  started_line=""
  started_group=""
  # A deadline for a server that hangs without a word; the line itself is what is waited for.
  while IFS= read -r -t 900 line <&"$fd"; do
    printf '%s\n' "$line" >>"$log"
    if [[ "$line" =~ $pattern ]]; then
      started_line="$line"
      started_group="${BASH_REMATCH[1]:-}"
      break
    fi
  done
  if [ -z "$started_line" ]; then
    exec {fd}<&-
    cat "$log" "$work/$name.other" >&2 2>/dev/null || true
    fail "$name exited (or said nothing for 900 s) before printing a line like /$pattern/"
  fi
  cat <&"$fd" >>"$log" &
  exec {fd}<&-
}

# --- moto for the Cognito sign-in: the venv, marker and lock the Rust AWS harness uses
# (tests/aws-emulator), so whichever runs first installs it once ---
moto_venv="$root/target/moto-venv"
if [ ! -x "$moto_venv/bin/moto_server" ] || [ ! -f "$moto_venv/.navsync-moto-installed" ]; then
  log "installing moto[server] into $moto_venv"
  mkdir -p "$root/target"
  (
    flock 9
    if [ ! -f "$moto_venv/.navsync-moto-installed" ]; then
      [ -x "$moto_venv/bin/python" ] || python3 -m venv "$moto_venv"
      "$moto_venv/bin/pip" install --disable-pip-version-check -q 'moto[server]'
      "$moto_venv/bin/python" -c 'import moto; print(moto.__version__)' >"$moto_venv/.navsync-moto-installed"
    fi
  ) 9>"$root/target/moto-venv.lock" || fail "cannot install moto[server] into $moto_venv (python3 -m venv and pip are needed)"
fi
moto_python="$moto_venv/bin/python" # has boto3, a dependency of moto
# Port 0: werkzeug binds a free port itself and names it in " * Running on http://127.0.0.1:N".
start moto stderr 'Running on (http://127\.0\.0\.1:[0-9]+)' "$moto_venv/bin/moto_server" -H 127.0.0.1 -p 0
moto_url="$started_group"
"$moto_python" "$here/cognito_setup.py" pool "$moto_url" >"$work/pool.json" || fail "cannot set up Cognito in moto"
pool="$("$moto_python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pool"])' "$work/pool.json")"
client="$("$moto_python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["client"])' "$work/pool.json")"

# The e2e server binds 127.0.0.1:0 and prints one JSON line once it is ready.
start e2e-server stdout '^\{' "$server" --port 0 --bulk "${NAVSYNC_E2E_BULK:-100000}" \
  --cognito-endpoint "$moto_url" --cognito-pool "$pool" --cognito-client "$client" --cognito-region us-east-1
server_pid=$started_pid
printf '%s\n' "$started_line" >"$work/server.json"
cat "$work/e2e-server.other" >&2

taxpayer="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["taxpayers"][0])' "$work/server.json")"
"$moto_python" "$here/cognito_setup.py" user "$moto_url" "$pool" "$taxpayer" >"$work/user.json" || fail "cannot create the Cognito user"
python3 - "$work/server.json" "$work/user.json" "$work/info.json" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
info["cognito"] = json.load(open(sys.argv[2]))
json.dump(info, open(sys.argv[3], "w"))
PY
info="$work/info.json"

# --- the tests: first against the e2e server, then against `navsync serve` ---
shots="$root/target/ui-screenshots"
rm -rf "$shots"
run_tests() { # info-file screenshot-dir label [NAVSYNC_E2E_ALL]
  log "tests against $3"
  set +e
  NAVSYNC_E2E_INFO="$1" SCREENSHOT_DIR="$2" CHROMIUM="$chromium_bin" NAVSYNC_E2E_ALL="${4:-}" \
    node "$here/ui.test.mjs" | tee "$work/tests.out"
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
# Against the e2e server every test must run: a skip counts as a failure.
run_tests "$info" "$shots" "the e2e server (examples/e2e-server.rs)" 1
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true

# `navsync serve` over a data directory that `navsync demo` filled from the simulator, with
# tokens from `navsync token create`.
navsync="$target/debug/navsync"
log "building navsync-cli"
(cd "$root" && cargo build --quiet -p navsync-cli) || fail "cargo build -p navsync-cli failed"
[ -x "$navsync" ] || fail "no navsync binary at $navsync after the build"
data="$work/serve-data"
# The token line comes after the sync, so the data directory is filled when it is printed.
start demo stdout '^eyJ' "$navsync" demo --port 0 --invoices 150 --data-dir "$data"
demo_pid=$started_pid
kill "$demo_pid"
wait "$demo_pid" 2>/dev/null || true
mapfile -t tps < <(grep -oE 'simulated taxpayer [0-9]{8}' "$work/demo.other" | awk '{print $3}')
[ "${#tps[@]}" -ge 2 ] || fail "navsync demo named no taxpayers"
mint() { "$navsync" token create --data-dir "$data" --valid-for-hours 1 "$@"; }
reader="$(mint --taxpayer "${tps[0]}" --taxpayer "${tps[1]}" --role reader --subject e2e-reader)"
admin="$(mint --taxpayer "${tps[0]}" --taxpayer "${tps[1]}" --role admin --subject e2e-admin)"
start serve stderr 'navsync serves .* on (http://127\.0\.0\.1:[0-9]+)/' \
  "$navsync" serve --data-dir "$data" --bind 127.0.0.1:0
serve_url="$started_group"
python3 - "$work/serve-info.json" "$serve_url" "${tps[0]}" "${tps[1]}" "$reader" "$admin" <<'PY'
import json, sys
out, url, a, b, reader, admin = sys.argv[1:]
# No sync_now: `navsync serve` without a configuration has no NAV credentials to sync with.
json.dump({"url": url, "taxpayers": [a, b], "tokens": {"reader_all": reader, "admin": admin},
           "sync_now": False}, open(out, "w"))
PY
run_tests "$work/serve-info.json" "$shots/navsync-serve" "navsync serve"

log "screenshots in $shots; took $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
