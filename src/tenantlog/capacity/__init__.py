"""How far the AWS deployment goes: a capacity model, a simulation that checks it, plots.

The model (``model.py``) is closed-form: Little's law and each service's
published limits, from the dated inputs of ``prices.toml``. The simulation
(``simulation.py``) plays the same pipeline forward in time with throttling
and retries, so that where the two agree the formulas can be trusted and
where a limit binds both name it. ``python -m tenantlog.capacity`` prints the
tables of docs/capacity.md and draws its plots. Nothing here runs in the
service: it is a planning tool, and imports no AWS library.
"""
