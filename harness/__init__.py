"""Starts and stops the service's real processes for the test suite and the benchmarks: the
API server, a Celery worker (with beat), a private Redis, a private PostgreSQL server, private
RabbitMQ vhosts.

Imports no package of this project (harness/ruff.toml): it runs them as processes, by command
line. tests/ and bench/ import it.
"""
