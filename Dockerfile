# The bot as a container: slim Python 3.11, the pinned lock file, a non-root user. `make image` builds it.
# Run: docker run -p 8000:8000 -e MicrosoftAppId=... -e MicrosoftAppTenantId=... -e MicrosoftAppPassword=... support-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    BOT_DATA_DIR=/data

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY app.py ./
COPY settings.py ./
COPY cli.py ./
COPY bot ./bot
COPY cards ./cards
COPY dialogs ./dialogs
COPY locales ./locales
COPY services ./services
# The Teams JavaScript library the overview tab serves (make image runs make tab-js first).
COPY tools/teams-js/node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js ./tools/teams-js/node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot /data
USER bot
VOLUME ["/data"]
EXPOSE 8000

# Liveness only; /readyz says whether storage and backends are reachable.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"]

CMD ["python", "app.py"]
