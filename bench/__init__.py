"""Benchmarks: ``make bench`` (python -m bench.run), and the load users they post for.

Imports harness (processes), infra and ledger (a database of its own, funded load users),
the launcher (the product's processes, started as make run starts them: bench.product) and
the worker's Celery app (the no-op baseline); never the API, which it measures over HTTP
(bench/ruff.toml).
"""
