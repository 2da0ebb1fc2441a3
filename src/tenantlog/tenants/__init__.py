"""Where per-tenant settings are kept: one module per backend (``memory``, ``sqlite``,
``dynamodb``) implementing ``tenantlog.core.tenants.TenantStore``.

They hold only what an operator set with ``tenantlog tenants set``; the
defaults come from the settings, so a store may be empty (and on AWS may be
missing altogether) and every tenant still has a policy.
"""
