# The same as `make run`: install pinned dependencies, build the warehouse from the bundled
# data (no network needed), serve with gunicorn. Runs as a non-root user with a health check.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# libcairo2 and a font: PNG downloads of the public chart pages are drawn from their SVG.
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
COPY etl/__init__.py etl/__init__.py
COPY boligsosial/__init__.py boligsosial/__init__.py
COPY pages/__init__.py pages/__init__.py
RUN pip install -c constraints.txt -e .

COPY . .
RUN useradd --system --uid 10001 --home-dir /app app \
    && python -m etl build \
    && chown -R app /app/data
USER app

EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8050/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "app:server", "--workers", "2", "--bind", "0.0.0.0:8050", "--no-control-socket", "--access-logfile", "-"]
