# The bot's HTTP server and web page; the Telegram bot too when TELEGRAM_BOT_TOKEN is set.
#   docker build -t policybot .
#   docker run -p 8080:8080 -e TELEGRAM_BOT_TOKEN=123:abc policybot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POLICYBOT_POLICIES=/app/policies \
    POLICYBOT_DB=/data/policybot.sqlite3

RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei fonts-noto-color-emoji \
       espeak-ng opus-tools lame \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install . \
    && useradd --create-home --uid 10001 policybot \
    && mkdir -p /data && chown policybot /data
COPY policies ./policies
RUN policybot check /app/policies

USER policybot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["policybot", "serve", "--host", "0.0.0.0", "--port", "8080"]
