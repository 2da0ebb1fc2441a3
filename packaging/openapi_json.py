"""Write src/tenantlog/http/openapi.json from openapi.yaml, the file people edit.

The service serves the JSON, so that it needs no YAML parser at run time (the
Lambda zip carries none); tests/infra/test_openapi_json.py fails, naming this
command, when the two differ.

    .venv/bin/python packaging/openapi_json.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HTTP_DIR = Path(__file__).resolve().parent.parent / "src" / "tenantlog" / "http"
SOURCE = HTTP_DIR / "openapi.yaml"
TARGET = HTTP_DIR / "openapi.json"


def rendered(source: Path = SOURCE) -> str:
    """The JSON text for ``source``: keys in the YAML's order, indented, one final newline."""
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    TARGET.write_text(rendered(), encoding="utf-8")
    print(f"{TARGET.relative_to(HTTP_DIR.parent.parent.parent)} written from {SOURCE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
