#!/usr/bin/env bash
# Runs every check navsync has, on a fresh machine: installs what it needs, then fmt, clippy,
# all tests (the AWS tests start their own moto server), and the Terraform checks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

need_apt=()
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "installing ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi
command -v python3 >/dev/null || { echo "python3 is needed (for the moto AWS emulator and checkov)" >&2; exit 1; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked --no-fail-fast

step "schemathesis: the API against its OpenAPI document"
scripts/schemathesis.sh

if [ -x scripts/check-terraform.sh ]; then
  step "terraform checks"
  scripts/check-terraform.sh
fi

step "web UI end-to-end tests (headless Chromium)"
apps/web/e2e/run.sh

step "all checks passed"
