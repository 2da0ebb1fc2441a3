"""/docs from the package's own files: no other origin, a strict Content-Security-Policy,
open with keys on, and nothing served but the files it names."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib import resources
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.support.cli import tenantlog_json
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
FILES = resources.files("tenantlog.http").joinpath("static", "swagger-ui")
TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "init.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


class PageParts(HTMLParser):
    """The URLs a page loads (scripts, styles, icons) and the text of inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        url = named.get("src") or (named.get("href") if tag == "link" else None)
        if url:
            self.urls.append(url)
        self._in_inline_script = tag == "script" and "src" not in named
        if any(name.startswith("on") for name in named):
            self.inline_scripts.append(str(named))

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.inline_scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_inline_script = False


def test_docs_page_loads_only_its_own_files_under_a_strict_policy(
    keyed: ServerProcess, http: httpx.Client
) -> None:
    # WHEN /docs is loaded without a key, on a server with keys on
    page = http.get("/docs")
    # THEN it is served, with the policy that forbids every other origin and inline code
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == POLICY
    assert page.headers["x-content-type-options"] == "nosniff"
    parts = PageParts()
    parts.feed(page.text)
    assert parts.inline_scripts == []
    assert "//" not in page.text  # no absolute URL of any origin
    # AND everything it loads is one of the package's files, served without a key
    version = FILES.joinpath("VERSION").read_text().strip()
    loaded = {}
    for url in parts.urls:
        absolute = urljoin(f"{keyed.url}/docs", url)
        assert absolute.startswith(f"{keyed.url}/docs/assets/"), url
        assert urlsplit(absolute).query == f"v={version}"  # a new version, a new URL
        loaded[urlsplit(absolute).path.rsplit("/", 1)[1]] = http.get(absolute)
    assert set(loaded) == set(TYPES)
    for name, answer in loaded.items():
        assert answer.status_code == 200, name
        assert answer.headers["content-type"] == TYPES[name]
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.content == FILES.joinpath(name).read_bytes(), name


def test_swagger_ui_is_started_by_its_own_file_without_other_origins(http: httpx.Client) -> None:
    init = http.get("/docs/assets/init.js").text
    bundle = http.get("/docs/assets/swagger-ui-bundle.js")

    assert 'url: "openapi.json"' in init and 'dom_id: "#ui"' in init
    assert "validatorUrl: null" in init  # no badge fetched from validator.swagger.io
    assert "//" not in init.replace("// ", "")  # comments aside, no URL of another origin
    assert len(bundle.content) > 1_000_000 and b"SwaggerUIBundle" in bundle.content


@pytest.mark.parametrize(
    "path",
    [
        "/docs/assets/swagger-ui.css.map",  # the stylesheet names its source map: not shipped
        "/docs/assets/LICENSE",
        "/docs/assets/README.md",
        "/docs/assets/VERSION",
        "/docs/assets/SWAGGER-UI.CSS",
        "/docs/assets/index.html",
        "/docs/assets/%2e%2e%2foperations.py",
        "/docs/assets/..%2f..%2fopenapi.json",
        "/docs/assets/init.js%00.png",
        "/docs/assets/a/init.js",
        "/docs/assets/",
    ],
)
def test_only_the_named_files_are_served(
    keyed: ServerProcess, http: httpx.Client, path: str
) -> None:
    answer = http.get(keyed.url + path)

    assert (answer.status_code, answer.json()) == (404, {"error": "not found"}), path


def test_docs_metrics_name_the_route_not_the_file(keyed: ServerProcess, http: httpx.Client) -> None:
    admin = tenantlog_json("keys", "create", "ops", "--scope=admin", data_dir=keyed.data_dir)
    http.get("/docs/assets/no-such-file.js")

    metrics = http.get("/metrics", headers={"Authorization": f"Bearer {admin['secret']}"}).text

    assert 'route="/docs/assets/{name}"' in metrics
    assert "no-such-file" not in metrics
