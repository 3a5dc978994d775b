# The same as `make run`: install pinned dependencies, build the warehouse from the bundled
# data (no network needed), serve with gunicorn (gunicorn.conf.py). Runs as a non-root user with
# a health check. Put a reverse proxy that buffers requests in front of it (docs/deploy.md).
#
# An exact Python patch release, not the floating 3.11 tag. 3.11.14 (2025-10-09) is the first
# 3.11 with every zipfile fix the imports of untrusted .xlsx files rely on: CVE-2024-0450
# ("quoted-overlap" zip bombs, 3.11.8), CVE-2024-8088 (zipfile.Path loop, 3.11.10) and
# CVE-2025-8291 (zip64 end-of-central-directory consistency, gh-139700, 3.11.14). Raise it with
# later 3.11 security releases; where the registry allows, pin the digest as well
# (FROM python:3.11.14-slim-bookworm@sha256:...).
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# libcairo2 and a font: PNG downloads of the public chart pages are drawn from their SVG.
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them. Every package, pip and the build
# backend included, comes from constraints.txt with its hash: pip refuses any file that differs
# from the one the project was locked with. Then the project itself, editable, with nothing
# more resolved or downloaded.
COPY pyproject.toml constraints.txt README.md ./
COPY etl/__init__.py etl/__init__.py
COPY boligsosial/__init__.py boligsosial/__init__.py
COPY pages/__init__.py pages/__init__.py
RUN pip install --require-hashes -r constraints.txt \
    && pip install --no-deps --no-build-isolation -e .

COPY . .
RUN useradd --system --uid 10001 --home-dir /app app \
    && python -m etl build \
    && chown -R app /app/data
USER app

EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8050/healthz', timeout=4).status != 200)"
# Workers, threads and timeouts: gunicorn.conf.py (WEB_CONCURRENCY or GUNICORN_CMD_ARGS override).
# Set BOLIG_PUBLIC_URL to the address readers use (README, "Reliability and security").
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:server", "--bind", "0.0.0.0:8050", "--access-logfile", "-"]
