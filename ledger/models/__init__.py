"""The schema: every table, on one metadata (``Base.metadata``: what ledger/migrations
produce and tests/integration/test_schema.py compares). Importing this package registers all
of them; each module imports only ``base``, never this package, so none depends on another.

- base: the declarative ``Base``, the ``MONEY`` type, ``timestamp_now`` columns.
- wallet: assets, accounts and their balance rows, the request inbox, holds, transactions
  and their entries, API keys.
- webhooks: subscriptions, the event outbox, deliveries and their attempts, balance monitors.
"""

from ledger.models.base import Base
from ledger.models.wallet import (
    Account,
    AccountBalance,
    ApiKey,
    AssetType,
    Hold,
    LedgerEntry,
    Request,
    Transaction,
)
from ledger.models.webhooks import (
    BalanceMonitor,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookGeneration,
)

__all__ = [
    "Account",
    "AccountBalance",
    "ApiKey",
    "AssetType",
    "BalanceMonitor",
    "Base",
    "Hold",
    "LedgerEntry",
    "Request",
    "Transaction",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookGeneration",
]
