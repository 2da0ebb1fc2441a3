"""The web console at ``/console``: for people who would rather look at logs than read JSON.

A thin shell over the same core and read code as the JSON API
(tenantlog.http.reads): server-rendered Jinja2 pages with autoescaping, a
vendored htmx and the console's own CSS and JS, all served from the package,
so it works with no network access and under a strict Content-Security-Policy.
Who may see what is decided by the request-policy seam (tenantlog.http.policy),
which also accepts the console's session cookie; the pages never check keys.
"""
