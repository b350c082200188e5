"""make run and make reset: the servers they need (the machine's, or embedded ones under
.data/), the database (created, migrated, seeded), the service's processes in the foreground,
one start-up block once the API is ready, and an orderly stop on Ctrl-C.

Imports infra (settings, database administration, logging) and ledger (seeding); it starts
the API and the worker by command line and imports neither (launcher/ruff.toml).
"""
