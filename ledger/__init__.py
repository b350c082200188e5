"""The wallet's domain: a Postgres double-entry ledger with an idempotent request inbox.

The map: each concept in the package or module named for it. Imports point down this list
(a package may use the ones above it and the shared modules, never one below), and no
module imports another that imports it back (tests/unit/test_ledger_imports.py).

Shared by all (each a leaf or nearly):
- errors: the domain's errors, each with its code.
- money: quantizing and formatting amounts at an asset's scale.
- statuses: the statuses of requests, holds, accounts and deliveries (StrEnums, the schema's
  CHECK constraints generated from them), a delivery's ``Outcome``.
- operations: the operations a client may request (``OperationType``) and their one table
  (``SPECS``: payload names, required fields, legs, frozen rule, whether it posts);
  ``Movement``.
- prepared: statements prepared once per connection, and their array parameters.
- rows: named rows, one dataclass per SQL row shape, whose field order makes both the
  column list and the values.

Packages:
- models/: the schema, every table on one metadata (migrations/ produce it).
- inbox/: recording each request once under its idempotency key, and the checks before.
- posting/: a request's lifecycle, the claim-and-post protocol, holds and reversals, the
  journal that writes a batch, the expiry sweep and the reaper's reads.
- reads/: the read models and the queries that fill them.
- webhooks/: registration, the transactional outbox of events, deliveries, balance monitors.
- migrations/: Alembic's (alembic.ini's script_location), run by ``seed.migrate``.

Around them:
- accounts: creating, listing, freezing accounts and assets.
- api_keys: the API keys' rows (add, find an unrevoked one by prefix, list, revoke).
- seed: the seed data, and running the migrations (``prepare_wallet_database``).
- verify: the invariant checks (``python -m ledger.verify``).

Functions take a SQLAlchemy ``Session`` and plain values (keyword-only), may ``flush()`` and
never commit: the caller that opened the transaction owns it. Imports infra/ (settings,
engines, the metadata cipher) and third-party libraries; never Flask or Celery, the API, the
worker or the tools around them (ledger/ruff.toml).
"""
