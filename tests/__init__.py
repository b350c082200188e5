"""The test suite, in tiers: unit (pure functions), integration (ledger on real Postgres, each
test rolled back), api (the real app in process, Flask's test client), e2e (the API server,
a Celery worker, Redis and Postgres as processes). Fixtures live in tests/fixtures/.

May import every package of the project; none imports it.
"""
