"""The wallet's domain: a Postgres double-entry ledger with an idempotent request inbox.

Owns the rules and nothing else: the models and their migrations (models, migrations/), money
(money), the movements and their legs (operations), the inbox that records each request once
(inbox, submission_checks), a request's lifecycle and the claim-and-post protocol (lifecycle,
with posting, journal, prepared; the reaper's reads in reaper), the read models and the
queries that fill them (views, queries, request_views), domain errors (errors), seed data
and the invariant checks (seed, verify); webhooks: their tables and read models
(webhook_models, webhook_views), the transactional outbox of events (outbox), registration
(webhooks), balance monitors (monitors) and the delivery protocol (deliveries).

Functions take a SQLAlchemy ``Session`` and plain values (keyword-only), may ``flush()`` and
never commit: the caller that opened the transaction owns it. Imports infra/ (settings,
engines, the metadata cipher) and third-party libraries; never Flask or Celery, the API, the
worker or the tools around them (ledger/ruff.toml).
"""
