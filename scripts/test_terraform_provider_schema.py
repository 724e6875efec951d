"""The provider schema check (scripts/terraform_provider_schema.py) passes on terraform/ and fails
on each kind of mistake `terraform validate` would refuse, planted in a temporary copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import terraform_provider_schema as tps

ROOT = Path(__file__).resolve().parent.parent
TF = ROOT / "terraform"


@pytest.fixture(scope="module")
def schema():
    return tps.load_schema()


@pytest.fixture
def tree(tmp_path):
    copy = tmp_path / "terraform"
    shutil.copytree(TF, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    return copy


def plant(tree: Path, relative: str, old: str, new: str) -> None:
    path = tree / relative
    text = path.read_text()
    assert text.count(old) == 1, f"{relative} no longer holds {old!r} once: update the test"
    path.write_text(text.replace(old, new))


def findings(tree: Path, schema) -> list[str]:
    return tps.check_tree(tree, schema)[0]


def test_the_tree_holds_to_the_pinned_provider_schema(schema):
    errors, counts = tps.check_tree(TF, schema)
    assert errors == []
    assert schema["provider_version"] == tps.PROVIDER_VERSION
    # Every aws block was looked up: the table, buckets, functions, API, auth, schedules, alarms.
    assert counts["types"] >= 40 and counts["blocks"] >= 70, counts


def test_every_deprecation_listed_names_an_argument_of_the_pinned_schema(schema):
    # A list entry for an argument the provider no longer has would guard nothing: move the pin,
    # then prune the list.
    for path in tps.DEPRECATED:
        kind, type_ = ("data", path[0][5:]) if path[0].startswith("data.") else ("resource", path[0])
        block = schema[kind][type_]
        for name in path[1:-1]:
            block = block["blocks"][name]["block"]
        assert path[-1] in block["attributes"] or path[-1] in block["blocks"], path


def test_a_wrong_argument_name_fails_the_script(tree):
    plant(tree, "modules/table/main.tf", "billing_mode = ", "biling_mode  = ")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "terraform_provider_schema.py"), str(tree)],
                         capture_output=True, text=True)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "aws_dynamodb_table.this.biling_mode: the provider has no argument or block named biling_mode" in run.stderr
    # the required argument it replaced is not reported: billing_mode is optional
    assert "1 finding(s)" in run.stdout


def test_the_deprecated_index_keys_are_refused(tree, schema):
    plant(tree, "modules/table/main.tf", "projection_type    = global_secondary_index.value.projection.type",
          'projection_type    = global_secondary_index.value.projection.type\n      hash_key = "pk"')
    (error,) = findings(tree, schema)
    assert "global_secondary_index.hash_key: deprecated in the provider, use key_schema" in error


def test_a_wrong_name_inside_a_dynamic_block_is_found(tree, schema):
    plant(tree, "modules/table/main.tf", "key_type       = key_schema.value.role", "key_kind = key_schema.value.role")
    errors = findings(tree, schema)
    assert any("global_secondary_index.key_schema.key_kind: the provider has no argument" in e for e in errors), errors
    # key_type is required in key_schema, so leaving it out is a second finding
    assert any("the required argument key_type is missing" in e for e in errors), errors


def test_a_block_written_as_an_argument_and_back(tree, schema):
    plant(tree, "modules/table/main.tf", "point_in_time_recovery {\n    enabled = true\n  }",
          "point_in_time_recovery = { enabled = true }")
    plant(tree, "modules/table/main.tf", "deletion_protection_enabled = var.deletion_protection",
          "deletion_protection_enabled {\n    enabled = true\n  }")
    errors = findings(tree, schema)
    assert any("point_in_time_recovery is a block" in e for e in errors), errors
    assert any("deletion_protection_enabled is an argument" in e for e in errors), errors


def test_computed_only_and_missing_required_arguments(tree, schema):
    plant(tree, "modules/table/main.tf", "  name         = var.name\n", '  arn          = "x"\n')
    errors = findings(tree, schema)
    assert any("aws_dynamodb_table.this.arn: arn is set by AWS" in e for e in errors), errors
    assert any("aws_dynamodb_table.this: the required argument name is missing" in e for e in errors), errors


def test_a_block_allowed_once_written_twice(tree, schema):
    plant(tree, "modules/table/main.tf", "point_in_time_recovery {\n    enabled = true\n  }",
          "point_in_time_recovery {\n    enabled = true\n  }\n  point_in_time_recovery {\n    enabled = false\n  }")
    errors = findings(tree, schema)
    assert any("at most one point_in_time_recovery block" in e for e in errors), errors


def test_an_unknown_resource_type(tree, schema):
    (tree / "extra.tf").write_text('resource "aws_dynamo_table" "x" {\n  name = "x"\n}\n')
    (error,) = findings(tree, schema)
    assert "has no resource type aws_dynamo_table" in error


def test_the_provider_constraint_must_admit_the_pin_and_keep_the_floor(tree, schema):
    plant(tree, "versions.tf", 'version = ">= 6.29, < 7.0"', 'version = ">= 5.80, < 7.0"')
    plant(tree, "modules/table/versions.tf", 'version = ">= 6.29, < 7.0"', 'version = ">= 6.29, < 6.50"')
    errors = findings(tree, schema)
    assert any(e.startswith("terraform/versions.tf") and "older than 6.29" in e for e in errors), errors
    assert any("modules/table/versions.tf" in e and "does not admit 6.69.1" in e for e in errors), errors


@pytest.mark.parametrize(("constraint", "version", "expected"), [
    (">= 6.29, < 7.0", "6.69.1", True),
    (">= 6.29, < 7.0", "6.28.0", False),
    (">= 6.29, < 7.0", "7.0.0", False),
    ("~> 6.29", "6.69.1", True),
    ("~> 6.29.0", "6.30.0", False),
    ("= 6.69.1", "6.69.1", True),
])
def test_version_constraints_read_as_terraform_reads_them(constraint, version, expected):
    assert tps.admits(constraint, version) is expected
