"""Rendering the console's pages: Jinja2 with autoescaping on, and the functions templates use.

Everything a page shows from a log is attacker-controlled. Templates insert
values only through autoescaping; the one filter that returns markup,
``redactions``, escapes its input first and only then wraps the (escaped,
fixed-form) redaction placeholders, so no character of the log ever reaches
the page unescaped.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse

from tenantlog.console import static
from tenantlog.core.identity import Principal
from tenantlog.core.query import canonical_time
from tenantlog.http.policy import CSRF, PRINCIPAL

#: The redaction placeholders (tenantlog.redaction): ``[REDACTED]`` or ``[REDACTED:TYPE]``.
PLACEHOLDER = re.compile(r"\[REDACTED(?::[A-Z0-9_]+)?\]")
_CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z")


def redactions(text: str | None) -> Markup:
    """``text`` escaped, its redaction placeholders marked so that they stand out."""
    escaped = str(escape("" if text is None else text))
    return Markup(PLACEHOLDER.sub(r'<mark class="redacted">\g<0></mark>', escaped))


def moment(text: str) -> str:
    """An RFC 3339 time as a list shows it: UTC to the millisecond, ``2026-01-31 08:00:00.123``."""
    canonical = canonical_time(text)
    return canonical[:10] + " " + canonical[11:23] if _CANONICAL.fullmatch(canonical) else text


def query(params: QueryParams, **changes: str | None) -> str:
    """A query string of ``params`` with ``changes`` replacing (None: removing) parameters."""
    kept = [(name, value) for name, value in params.multi_items() if name not in changes]
    kept += [(name, value) for name, value in changes.items() if value is not None]
    return "?" + urlencode(kept) if kept else "?"


_ENVIRONMENT = Environment(
    loader=PackageLoader("tenantlog.console", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters["redactions"] = redactions
_ENVIRONMENT.filters["moment"] = moment
# A whole path segment: a log id may hold "/", "?", "#" or "..".
_ENVIRONMENT.filters["urlencode_all"] = lambda value: quote(str(value), safe="")
_ENVIRONMENT.globals["static"] = static.url
_ENVIRONMENT.globals["query"] = query


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page, with who is signed in and the CSRF token for its forms."""
    principal: Principal | None = request.scope.get(PRINCIPAL)
    page = _ENVIRONMENT.get_template(template).render(
        principal=principal,
        csrf_token=request.scope.get(CSRF, ""),
        path=request.url.path,
        **context,
    )
    return HTMLResponse(page, status_code=status)
