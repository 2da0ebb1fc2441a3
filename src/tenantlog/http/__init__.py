"""The HTTP shell: one ASGI app, served by uvicorn locally and by Mangum on Lambda."""
