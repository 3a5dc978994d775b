"""gunicorn's settings for every start of the app: `make run` / `make serve`, the Docker image,
the benches and the tests' live server all pass `-c gunicorn.conf.py` (gunicorn also reads this
file from the working directory by itself). Options on the command line (--bind, --workers,
--access-logfile) or in GUNICORN_CMD_ARGS override what is set here.

Why these values: docs/deploy.md, "Server settings".
"""
import gc
import os

wsgi_app = "app:server"
bind = ["127.0.0.1:8050"]

# Threaded workers with a read deadline per request (boligsosial/web/gunicorn_worker.py): a slow or
# stalled client holds one thread for at most BOLIG_HEADER_TIMEOUT (10 s) / BOLIG_BODY_TIMEOUT
# (30 s), never a whole worker. Page rendering is CPU-bound, so about one worker per core; the
# threads are for waiting on clients, not for more CPU.
worker_class = "boligsosial.web.gunicorn_worker.DeadlineThreadWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 8
worker_connections = 1000  # open connections per worker, waiting ones included
# No keep-alive, as with the sync workers before: a server closing an idle connection races a
# client that reuses it at that moment, and the client sees a failed request (the load bench
# did, 2 of 1 295 requests with readers pausing about 5 s). The reverse proxy in front keeps the
# readers' connections; to gunicorn on the same host, a new connection per request is cheap. A
# connection that sends nothing for 5 s is closed.
keepalive = 0
timeout = 30  # a worker whose main loop is silent this long is restarted
graceful_timeout = 30

# Request line and headers: gunicorn's defaults, written down. Bodies are bounded by the app
# (boligsosial/web/security.py: 413 above 1 MiB, decided from Content-Length before reading).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# The control socket is for gunicornc; the app never uses it.
control_socket_disable = True


def post_worker_init(worker):
    """The app is imported: its modules, classes and texts live as long as the worker. Moved out
    of the cyclic collector's way, a full collection walks only what requests make; at national
    size it took 78 ms of a 250 ms explorer page, in one render of five (bench/scale_bench.py)."""
    gc.collect()  # nothing collectable is frozen with them
    gc.freeze()
