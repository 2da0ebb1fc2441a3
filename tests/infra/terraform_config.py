"""infra/*.tf as plain Python data, for the wiring tests.

python-hcl2 (v8) keeps expressions as ``"${...}"`` strings and blocks as lists of dicts.
``TerraformConfig.resolve`` follows the few expression forms infra/ uses (``var.x`` to
its default, ``local.x``, ``merge(local.a, local.b)``); anything else, such as a
resource attribute, stays a reference string to compare against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

INFRA_DIR = Path(__file__).resolve().parents[2] / "infra"

OPTIONS = hcl2.SerializationOptions(
    strip_string_quotes=True, explicit_blocks=False, with_comments=False
)
_MERGE = re.compile(r"^merge\(((?:local\.\w+)(?:,\s*local\.\w+)*)\)$")
_JSONENCODE_OBJECT = re.compile(r"^jsonencode\(\{(.*)\}\)$", re.DOTALL)

Body = dict[str, Any]


def expression(value: object) -> str | None:
    """``"${expr}"`` -> ``"expr"``; None for a literal or a template such as ``"${a}-b"``."""
    if not isinstance(value, str) or not value.startswith("${") or not value.endswith("}"):
        return None
    depth = 0
    for index, char in enumerate(value[1:], start=1):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return value[2:-1].strip() if index == len(value) - 1 else None
    return None


def block(body: Body, name: str) -> Body:
    """The one nested block ``name`` of ``body`` (hcl2 gives every block as a list)."""
    blocks = body.get(name)
    assert isinstance(blocks, list), f"no {name} block"
    assert len(blocks) == 1, f"expected one {name} block, found {len(blocks)}"
    found = blocks[0]
    assert isinstance(found, dict)
    return found


def blocks(body: Body, name: str) -> list[Body]:
    found = body.get(name, [])
    assert isinstance(found, list)
    return found


def _split_top_level(text: str) -> list[str]:
    """Split ``a = 1, b = [x, y], c = f(p, q)`` on the commas outside brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def jsonencode_object(value: object) -> dict[str, str]:
    """The fields of a ``jsonencode({k = v, ...})`` attribute, values as HCL source text."""
    text = expression(value)
    assert text is not None, f"not an expression: {value!r}"
    match = _JSONENCODE_OBJECT.match(text)
    assert match, f"not jsonencode of an object literal: {text}"
    fields = {}
    for part in _split_top_level(match.group(1)):
        key, _, field_value = part.partition("=")
        fields[key.strip()] = field_value.strip()
    return fields


@dataclass(frozen=True)
class TerraformConfig:
    resources: dict[str, dict[str, Body]]
    data: dict[str, dict[str, Body]]
    variables: dict[str, Body]
    locals: dict[str, Any]
    outputs: dict[str, Body]
    providers: dict[str, Body]
    terraform: list[Body]

    def resource(self, kind: str, name: str) -> Body:
        assert name in self.resources.get(kind, {}), f"resource {kind}.{name} is missing"
        return self.resources[kind][name]

    def data_source(self, kind: str, name: str) -> Body:
        assert name in self.data.get(kind, {}), f"data source {kind}.{name} is missing"
        return self.data[kind][name]

    def default(self, variable: str) -> Any:
        assert variable in self.variables, f"variable {variable} is not declared"
        assert "default" in self.variables[variable], f"variable {variable} has no default"
        return self.variables[variable]["default"]

    def resolve(self, value: Any, defaults: bool = True) -> Any:
        """``local.x`` -> its value (recursively), ``merge`` of locals, ``var.x`` -> its
        default unless ``defaults`` is false, and ``var.x - N`` with a number default."""
        if isinstance(value, dict):
            return {key: self.resolve(item, defaults) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item, defaults) for item in value]
        text = expression(value)
        if text is None:
            return value
        if defaults and text.startswith("var.") and text[4:].isidentifier():
            return self.default(text[4:])
        difference = _DIFFERENCE.fullmatch(text)
        if defaults and difference:
            return self.default(difference.group(1)) - int(difference.group(2))
        if text.startswith("local.") and text[6:].isidentifier():
            assert text[6:] in self.locals, f"local {text[6:]} is not defined"
            return self.resolve(self.locals[text[6:]], defaults)
        merge = _MERGE.match(text)
        if merge:
            merged: dict[str, Any] = {}
            for name in _split_top_level(merge.group(1)):
                part = self.resolve("${" + name + "}", defaults)
                assert isinstance(part, dict), f"{name} is not a map"
                merged.update(part)
            return merged
        return value

    def number(self, value: Any) -> float:
        resolved = self.resolve(value)
        assert isinstance(resolved, int | float) and not isinstance(resolved, bool), (
            f"{value!r} does not resolve to a number (got {resolved!r})"
        )
        return resolved


_DIFFERENCE = re.compile(r"var\.([A-Za-z_][A-Za-z0-9_]*) - ([0-9]+)")


def _labelled(entries: list[dict[str, Any]], depth: int) -> dict[str, Any]:
    """Merge hcl2's list of ``{label: {label: body}}`` dicts into one nested dict."""
    merged: dict[str, Any] = {}
    for entry in entries:
        for label, inner in entry.items():
            if depth == 1:
                assert label not in merged, f"{label} is defined twice"
                merged[label] = inner
            else:
                merged.setdefault(label, {})
                for name, body in inner.items():
                    assert name not in merged[label], f"{label}.{name} is defined twice"
                    merged[label][name] = body
    return merged


def load(directory: Path = INFRA_DIR) -> TerraformConfig:
    """Parse every ``*.tf`` file of ``directory`` into one configuration."""
    parsed: dict[str, list[dict[str, Any]]] = {}
    files = sorted(directory.glob("*.tf"))
    assert files, f"no .tf files in {directory}"
    for path in files:
        with path.open(encoding="utf-8") as handle:
            document = hcl2.load(handle, serialization_options=OPTIONS)
        for key, entries in document.items():
            parsed.setdefault(key, []).extend(entries)
    local_values: dict[str, Any] = {}
    for entry in parsed.get("locals", []):
        for name, value in entry.items():
            assert name not in local_values, f"local {name} is defined twice"
            local_values[name] = value
    return TerraformConfig(
        resources=_labelled(parsed.get("resource", []), 2),
        data=_labelled(parsed.get("data", []), 2),
        variables=_labelled(parsed.get("variable", []), 1),
        locals=local_values,
        outputs=_labelled(parsed.get("output", []), 1),
        providers=_labelled(parsed.get("provider", []), 1),
        terraform=parsed.get("terraform", []),
    )
