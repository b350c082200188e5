"""Session fixtures: a throwaway database, real Redis, a real Celery worker and the real API.

They live in tests/fixtures/, one module per kind; the in-process tier adds its own in
tests/api/conftest.py.
"""

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.processes",
    "tests.fixtures.clients",
    "tests.fixtures.stacks",
    "tests.fixtures.brokers",
]
