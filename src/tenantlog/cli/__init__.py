"""The ``tenantlog`` command line: thin commands over the core and the backends."""
