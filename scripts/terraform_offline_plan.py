"""A provider-free copy of a Terraform module, for `terraform plan` without downloading providers.

`terraform validate` needs `terraform init`, which downloads providers; this environment has none.
What it can do offline is plan a configuration that has only variables, locals and outputs. So this
rewrites a module that way: its variables and locals as they are, and every resource, data source
and module call as an output holding an object of its arguments (blocks become lists of objects,
`dynamic` blocks and `for_each`/`count` become for-expressions). Values only AWS knows (another
resource's attributes, a module's outputs) are stood in for by strings naming them.

Planning that copy evaluates every argument expression for real, with real variable values:
function misuse (`coalesce(null, "")`), bad indexes, type errors, a failing validation or
precondition of the inputs. It cannot check the provider's schema (argument names and types).
"""

from __future__ import annotations

import re
from pathlib import Path

import hcl2

SKIPPED_ARGUMENTS = {"lifecycle", "depends_on", "provider", "providers", "count", "for_each", "source"}

# A reference to something only AWS (or another module) knows at apply time.
REFERENCE = re.compile(
    r"\b(?:data\.)?(?:aws|random)_[a-z0-9_]+\.[a-z0-9_]+(?:\[[^\]]*\])?(?:\.[a-z0-9_]+)*"
    r"|\bmodule\.[a-z0-9_]+(?:\[[^\]]*\])?\.[a-z0-9_]+"
)


def unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def expression(value, stand_ins: dict[str, str]) -> str:
    """HCL source for one value as python-hcl2 parsed it."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(expression(v, stand_ins) for v in value) + "]"
    if isinstance(value, dict):
        if value.get("__is_block__"):
            return block_object(value, stand_ins)
        items = [f"{k} = {expression(v, stand_ins)}" for k, v in value.items() if not k.startswith("__")]
        return "{ " + ", ".join(items) + " }"
    text = value
    if text.startswith("${") and text.endswith("}"):
        text = "(" + text[2:-1] + ")"
    return substitute(text, stand_ins)


def substitute(text: str, stand_ins: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        ref = match.group(0)
        for prefix, replacement in stand_ins.items():
            if ref.startswith(prefix):
                return replacement
        return '"<' + ref + '>"'

    return REFERENCE.sub(replace, text)


def block_object(body: dict, stand_ins: dict[str, str]) -> str:
    """An object expression holding a block's arguments and nested blocks."""
    items = []
    for key, value in body.items():
        if key.startswith("__") or key in SKIPPED_ARGUMENTS:
            continue
        if key == "dynamic":
            for dynamic in value:
                for label, spec in dynamic.items():
                    # Apart from static blocks of the same name: an object cannot hold a key twice.
                    items.append(f"dynamic_{unquote(label)} = {dynamic_list(unquote(label), spec, stand_ins)}")
            continue
        items.append(f"{key} = {expression(value, stand_ins)}")
    return "{\n" + "\n".join(items) + "\n}"


def dynamic_list(label: str, spec: dict, stand_ins: dict[str, str]) -> str:
    iterator = unquote(spec.get("iterator", label))
    content = spec["content"]
    content = content[0] if isinstance(content, list) else content
    body = block_object(content, stand_ins)
    body = re.sub(rf"\b{iterator}\.value\b", f"v_{iterator}", body)
    body = re.sub(rf"\b{iterator}\.key\b", f"k_{iterator}", body)
    return f"[for k_{iterator}, v_{iterator} in {expression(spec['for_each'], stand_ins)} : {body}]"


def repeated(body: dict, stand_ins: dict[str, str]) -> str:
    """A resource's object, repeated the way its for_each or count repeats it."""
    obj = block_object(body, stand_ins)
    if "for_each" in body:
        obj = re.sub(r"\beach\.value\b", "v_each", re.sub(r"\beach\.key\b", "k_each", obj))
        return f"{{ for k_each, v_each in {expression(body['for_each'], stand_ins)} : k_each => {obj} }}"
    if "count" in body:
        obj = re.sub(r"\bcount\.index\b", "i_count", obj)
        return f"[for i_count in range({expression(body['count'], stand_ins)}) : {obj}]"
    return obj


def offline_copy(module: Path, stand_ins: dict[str, str] | None = None) -> str:
    """The module rewritten as variables, locals and outputs only (variables.tf is copied apart)."""
    stand_ins = stand_ins or {}
    parts = []
    for path in sorted(module.glob("*.tf")):
        if path.name in {"variables.tf", "versions.tf", "providers.tf", "outputs.tf"}:
            continue
        parsed = hcl2.load(path.open())
        for entry in parsed.get("locals", []):
            items = [f"{k} = {expression(v, stand_ins)}" for k, v in entry.items() if not k.startswith("__")]
            parts.append("locals {\n" + "\n".join(items) + "\n}")
        for kind in ("resource", "data"):
            for entry in parsed.get(kind, []):
                for type_, named in entry.items():
                    for name, body in named.items():
                        label = f"{kind}_{unquote(type_)}_{unquote(name)}"
                        parts.append(f'output "{label}" {{\n  sensitive = true\n  value = {repeated(body, stand_ins)}\n}}')
        for entry in parsed.get("module", []):
            for name, body in entry.items():
                parts.append(f'output "module_{unquote(name)}" {{\n  sensitive = true\n  value = {repeated(body, stand_ins)}\n}}')
    return "\n\n".join(parts) + "\n"
