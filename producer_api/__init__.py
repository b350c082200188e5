"""The HTTP API: validates input, records requests in the inbox, enqueues them, reads the
ledger and answers in JSON or problem+json.

Owns the HTTP contract: the app factory (app: ``create_app``, and ``server_front`` for the
server: the app behind its ASGI front), one blueprint per resource (routes/), the request and
answer models it owns (schemas, fields, metadata, json_reader, body, responses), problem
answers (problems, database_errors), API keys and who is calling (api_keys, credentials,
auth), rate limits and admission control (limits, rate_limiter, admission), the submit
service with its enqueuer (submit, enqueuer), the ASGI front and the calls it parks until
their outcome (front, waiting), everything an app holds (services), the key CLI (keys), the
OpenAPI document generated from the routes (openapi, openapi_examples), metrics and request
ids.
Importing a module builds nothing: the factory does.

Imports infra, ledger and celeryconfig (its Celery client's settings); never the worker or the
tools around the service (producer_api/ruff.toml). It talks to the worker through the broker only.
"""
