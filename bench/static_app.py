"""The app's own server with Flask's static route (/static/<file>) pointed at a folder the bench
fills (BENCH_STATIC_DIR): bench/server_time.py compares a page's throughput with that of a file
of the same bytes served by the same gunicorn and the same Flask app (same hooks: security
headers, data version), which is the most this stack can do for a response of that size."""
from __future__ import annotations

import os

from app import server

server.static_folder = os.environ["BENCH_STATIC_DIR"]
