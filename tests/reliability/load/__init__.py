"""The load and fault suite (`make loadtest`; a short version in tests/reliability/test_load.py).

Each scenario runs against the service as `make run` starts it (LocalStack: supervisord with two
uvicorn processes, a Dramatiq worker, the sweeper and the watchdog, on a free loopback port with a
private Redis and its own SQLite), is bounded in count and time, prints its figures and a PASS or
FAIL line.

Why asyncio + aiohttp rather than locust: one process drives HTTP, tus (with connections cut on
purpose mid-PATCH) and hundreds of WebSockets together, and counts every event exactly (which
socket got which annotation, how often), which locust's per-request statistics cannot express.
"""
