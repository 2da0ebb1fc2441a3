"""Keys of the ASGI scope through which the connection layer and the app speak.

A module of its own so that both sides can import it: the connection layer
(tenantlog.http.connections) needs uvicorn, which the Lambda package does not
ship, and the app's routes pull in metrics, which a server process must not
import before it has set up the shared metrics directory.
"""

from __future__ import annotations

#: The function that ends an endless response (the live tail, tenantlog.http.tail),
#: which the connection layer calls when the server starts shutting down.
STOP_STREAM = "tenantlog.stop_stream"
