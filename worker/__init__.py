"""Celery workers: thin adapters that post requests through ledger/."""
