# syntax=docker/dockerfile:1
# One image for every role: api, worker, beat, flower and the one-shot migrate+seed.
FROM python:3.11-slim-bookworm

# In a container the API and Flower listen on every interface (LISTEN_ADDRESS): what reaches
# them is what the host publishes (docker-compose.override.yml: 127.0.0.1 only). The image is
# production unless told otherwise (docker-compose.yml says development): started as it is
# built, it refuses to start without its secrets rather than serve an open development API.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WALLET_ENV=production \
    LISTEN_ADDRESS=0.0.0.0 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
# The server's requirements: the editable client SDK (clients/python) is not part of it.
RUN sed '/^-e /d' requirements.txt > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt \
    && useradd --create-home --uid 10001 wallet

COPY --chown=wallet:wallet . .
USER 10001

EXPOSE 3000 5555
CMD ["python", "api_server.py"]
