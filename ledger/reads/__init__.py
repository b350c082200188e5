"""Reads: the read models the API serves as they are, and the queries that fill them.

- views: the read models (camelCase JSON, money at the asset's scale), ``ReadModel``.
- queries: balances (also as of an instant) and history, keyset cursors, ``find_account``.
- requests: the request resource (status, transaction, entries, hold), the long-polls'
  re-check.
- holds: a hold by id, and the holds requests placed or settled.
"""
