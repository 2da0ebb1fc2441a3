"""The OpenAPI document is served from JSON generated from the YAML people edit."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import yaml

from tenantlog.http.operations import openapi_document

REPO_ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    # packaging/ is a scripts folder, not a package: the script is loaded from its path.
    spec = importlib.util.spec_from_file_location(
        "openapi_json", REPO_ROOT / "packaging" / "openapi_json.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


openapi_json = _generator()


def test_openapi_json_is_the_yaml_as_generated() -> None:
    # The committed JSON is exactly what the generator writes from the committed YAML, so an
    # edit of the YAML that was not followed by the command fails here.
    written = openapi_json.TARGET.read_text(encoding="utf-8")
    assert written == openapi_json.rendered(), (
        "src/tenantlog/http/openapi.json is stale: run .venv/bin/python packaging/openapi_json.py"
    )


def test_openapi_served_document_equals_the_yaml() -> None:
    from_yaml = yaml.safe_load(openapi_json.SOURCE.read_text(encoding="utf-8"))
    assert openapi_document() == from_yaml
    assert openapi_document()["openapi"].startswith("3.")


def test_openapi_generator_keeps_the_yamls_key_order_and_text(tmp_path: Path) -> None:
    source = tmp_path / "api.yaml"
    source.write_text("openapi: 3.1.0\ninfo:\n  title: café\n  version: '1'\npaths: {}\n")
    text = openapi_json.rendered(source)
    assert list(json.loads(text)) == ["openapi", "info", "paths"]
    assert '"title": "café"' in text
    assert text.endswith("}\n")
