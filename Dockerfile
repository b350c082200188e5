# syntax=docker/dockerfile:1
# One image for every role: api, worker, beat, flower and the one-shot migrate+seed.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \
    && useradd --create-home --uid 10001 wallet

COPY --chown=wallet:wallet . .
USER 10001

EXPOSE 3000 5555
CMD ["python", "api_server.py"]
