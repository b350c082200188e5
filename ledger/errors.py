"""Domain errors. Each carries a stable machine-readable ``code``, given as a class keyword."""

from typing import Any


class LedgerError(Exception):
    code = "LEDGER_ERROR"

    def __init_subclass__(cls, code: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = code or cls.code

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        # Which of the submissions checked together it refuses (None: not tied to one).
        self.index: int | None = None


class BusinessRejection(LedgerError):
    """A request the ledger refuses for good: an outcome, never retried."""


class InsufficientFunds(BusinessRejection, code="INSUFFICIENT_FUNDS"):
    """The paying account's available balance is below the amount; a system account, an
    issuer, may go negative and never lacks funds."""


class AccountNotFound(BusinessRejection, code="ACCOUNT_NOT_FOUND"):
    """No account has this number."""


class InvalidAccount(BusinessRejection, code="INVALID_ACCOUNT"):
    """The account named is not a user's: system accounts move only as the other leg of
    an operation."""


class AssetNotFound(BusinessRejection, code="ASSET_NOT_FOUND"):
    """No asset has this code."""


class PostingAbandoned(BusinessRejection, code="POSTING_ABANDONED"):
    """Delivered ``MAX_ATTEMPTS`` times, each delivery crashing its worker: a poison request
    is failed rather than retried for ever."""


class AmountPrecision(LedgerError, code="AMOUNT_PRECISION"):
    """More decimal places than the asset's scale."""


class RequestNotFound(LedgerError, code="REQUEST_NOT_FOUND"):
    """No request of this client has this idempotency key."""


class IdempotencyKeyReused(LedgerError, code="IDEMPOTENCY_KEY_REUSED"):
    """The key names a request recorded with another payload: a reused key, not a replay."""


class InvalidCursor(LedgerError, code="INVALID_CURSOR"):
    """A history cursor this service did not issue."""
