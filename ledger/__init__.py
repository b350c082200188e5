"""The wallet's domain: a Postgres double-entry ledger with an idempotent request inbox.

Functions here take a SQLAlchemy ``Session`` and plain values, may ``flush()`` and never
commit: the caller that opened the transaction owns it. Nothing here imports Flask or Celery.
"""
