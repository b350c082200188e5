"""Python SDK of the wallet service: ``WalletClient`` (blocking) and ``AsyncWalletClient``.

from decimal import Decimal
from wallet_client import WalletClient

with WalletClient("http://127.0.0.1:3000", api_key="dev-wallet-key") as wallet:
    result = wallet.topup("USR-001", "GOLD_COINS", Decimal("100"), wait=5)
    print(result.status, result.transaction.balance_after if result.transaction else None)
"""

from wallet_client._version import __version__
from wallet_client.async_client import AsyncWalletClient
from wallet_client.client import WalletClient
from wallet_client.errors import RequestFailed, WalletError, WalletUnavailable
from wallet_client.models import (
    AssetBalance,
    Balances,
    BatchResult,
    Entry,
    HistoryItem,
    Hold,
    Operation,
    RequestError,
    RequestResult,
    Transaction,
)
from wallet_client.retry import RetryEvent, RetryPolicy

__all__ = [
    "AssetBalance",
    "AsyncWalletClient",
    "Balances",
    "BatchResult",
    "Entry",
    "HistoryItem",
    "Hold",
    "Operation",
    "RequestError",
    "RequestFailed",
    "RequestResult",
    "RetryEvent",
    "RetryPolicy",
    "Transaction",
    "WalletClient",
    "WalletError",
    "WalletUnavailable",
    "__version__",
]
