"""The ledger on real Postgres, each test inside a transaction rolled back at the end."""
