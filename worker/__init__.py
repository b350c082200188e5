"""The Celery worker: the app (celery_app, configured from celeryconfig), the tasks as
thin adapters that open a transaction and call ledger/ (tasks), each process's resources
(runtime), the queue's depth on either broker (broker), its logs, metrics and Flower.

Imports infra and ledger; never Flask, the API or the tools around the service
(worker/ruff.toml). It hears from the API through the broker only.
"""
