"""The HTTP API: validates input, records requests in the inbox, enqueues them, reads the
ledger and answers in JSON or problem+json.

Laid out by role:
- app: the factory (``create_app``, and ``server_front`` for the server: the app behind its
  ASGI front); app_services: everything an app holds, built once by the factory;
- routes/: one blueprint per resource;
- http/: the plumbing every route shares (problem+json, reading bodies and parameters,
  request ids, metrics, the OpenAPI document);
- contract/: the models of request bodies, parameters and answers, and their fields;
- services/: what the routes call (the submit service and its enqueuer, API keys and who is
  calling, rate limits, admission control, reads routed to the replica);
- front, parking, waiting: the ASGI front and the calls it parks until their outcome;
- keys: the API-key CLI.
Importing a module builds nothing: the factory does.

Imports infra, ledger and celeryconfig (its Celery client's settings); never the worker or the
tools around the service (producer_api/ruff.toml). It talks to the worker through the broker only.
"""
