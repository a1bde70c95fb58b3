# Backprop Lab, built the way scripts/setup.sh builds it: npm for htmx, pip for the app.
FROM node:20-bookworm-slim AS static
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BPLAB_DB=/data/sessions.sqlite3
RUN useradd --create-home --uid 10001 bplab && mkdir /data && chown bplab /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir -e .  # editable: the app reads templates/, static/ and locales/ beside app/
COPY templates ./templates
COPY static ./static
COPY locales ./locales
COPY --from=static /build/node_modules ./node_modules
USER bplab
VOLUME ["/data"]
EXPOSE 8000
# --loop asyncio as in scripts/serve.sh (uvloop answers some connections seconds late under load)
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--loop", "asyncio", "--timeout-graceful-shutdown", "5"]
