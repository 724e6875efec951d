#!/usr/bin/env bash
# Builds the release Lambda artifacts terraform/ deploys:
#   target/lambda/sync-lambda/bootstrap.zip and target/lambda/api-lambda/bootstrap.zip
# for provided.al2023 on x86_64, linked against glibc 2.34 (Amazon Linux 2023's) so they never
# need a newer glibc than the runtime has. cargo-lambda comes from PyPI (it brings zig, the
# linker that targets an exact glibc version) into a venv under target/.
#
# Usage: scripts/build-lambdas.sh            # both functions
#        scripts/build-lambdas.sh sync-lambda # one of them
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FUNCTIONS=("$@")
[ ${#FUNCTIONS[@]} -gt 0 ] || FUNCTIONS=(sync-lambda api-lambda)
TARGET=x86_64-unknown-linux-gnu.2.34 # <triple>.<glibc version>, understood by cargo-lambda/zig
VENV=target/cargo-lambda-venv
OUT=target/lambda # what terraform/ reads; independent of CARGO_TARGET_DIR

for fn in "${FUNCTIONS[@]}"; do
  case "$fn" in
    sync-lambda | api-lambda) ;;
    *) echo "unknown function $fn: expected sync-lambda or api-lambda" >&2; exit 2 ;;
  esac
done

command -v cargo >/dev/null || { echo "cargo is needed (https://rustup.rs)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed to install cargo-lambda" >&2; exit 1; }

if [ ! -x "$VENV/bin/cargo-lambda" ]; then
  echo "==> installing cargo-lambda (and zig) into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check cargo-lambda
fi
# cargo finds the `cargo-lambda` subcommand, and cargo-lambda finds zig, on PATH.
export PATH="$PWD/$VENV/bin:$PATH"
# The triple is the host's (only the glibc version differs, which is the linker's business), so
# its standard library is normally installed already.
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx x86_64-unknown-linux-gnu; then
  rustup target add x86_64-unknown-linux-gnu
fi

bins=()
for fn in "${FUNCTIONS[@]}"; do bins+=(--bin "$fn"); done

echo "==> cargo lambda build --release --target $TARGET ${bins[*]}"
cargo lambda build --release --locked --target "$TARGET" --output-format zip --lambda-dir "$OUT" "${bins[@]}"

for fn in "${FUNCTIONS[@]}"; do
  zip="$OUT/$fn/bootstrap.zip"
  [ -f "$zip" ] || { echo "expected $zip after the build, found none" >&2; exit 1; }
  printf '%s  %s bytes\n' "$zip" "$(stat -c %s "$zip")"
done
echo "==> done: cd terraform && terraform apply"
