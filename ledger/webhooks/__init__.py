"""Webhooks: events written in the transaction that caused them, delivered at least once.
Their tables are ledger.models.webhooks.

- registration: register (the URL checked, a secret made), list and delete webhooks; list
  a webhook's deliveries.
- outbox: the events and their deliveries, written in the caller's transaction; which
  event types have subscribers (``Subscriptions``).
- deliveries: the delivery protocol (claim, the event's body, finish, backoff, sweep).
- monitors: balance monitors, whose crossings the outbox turns into ``balance.below``.
- views: their read models.
"""
