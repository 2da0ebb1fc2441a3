"""``python -m tenantlog`` is the ``tenantlog`` command."""

from tenantlog.cli.main import app

app()
