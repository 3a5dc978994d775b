"""gunicorn's settings for every start of the app: `make run` / `make serve`, the Docker image,
the benches and the tests' live server all pass `-c gunicorn.conf.py` (gunicorn also reads this
file from the working directory by itself). Options on the command line (--bind, --workers,
--access-logfile) or in GUNICORN_CMD_ARGS override what is set here.

Why these values: docs/deploy.md, "Server settings".
"""
import os

wsgi_app = "app:server"
bind = ["127.0.0.1:8050"]

# Threaded workers with a read deadline per request (boligsosial/gunicorn_worker.py): a slow or
# stalled client holds one thread for at most BOLIG_HEADER_TIMEOUT (10 s) / BOLIG_BODY_TIMEOUT
# (30 s), never a whole worker. Page rendering is CPU-bound, so about one worker per core; the
# threads are for waiting on clients, not for more CPU.
worker_class = "boligsosial.gunicorn_worker.DeadlineThreadWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 8
worker_connections = 1000  # open connections per worker, idle ones included
keepalive = 5  # seconds an idle kept-alive connection is kept (it costs no thread)
timeout = 30  # a worker whose main loop is silent this long is restarted
graceful_timeout = 30

# Request line and headers: gunicorn's defaults, written down. Bodies are bounded by the app
# (boligsosial/security.py: 413 above 1 MiB, decided from Content-Length before reading).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# The control socket is for gunicornc; the app never uses it.
control_socket_disable = True
