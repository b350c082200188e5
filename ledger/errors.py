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


class AccountFrozen(BusinessRejection, code="ACCOUNT_FROZEN"):
    """A frozen account refuses every movement out: spends, transfers out, new holds, captures
    and reversals that debit it (it still receives)."""


class HoldNotFound(BusinessRejection, code="HOLD_NOT_FOUND"):
    """No hold has this id."""


class HoldNotActive(BusinessRejection, code="HOLD_NOT_ACTIVE"):
    """The hold was captured, voided or expired (or is past its expiry) already."""


class CaptureExceedsHold(BusinessRejection, code="CAPTURE_EXCEEDS_HOLD"):
    """A capture of more than the hold's amount."""


class TransactionNotFound(BusinessRejection, code="TRANSACTION_NOT_FOUND"):
    """No transaction has this id."""


class NotOwner(LedgerError, code="NOT_OWNER"):
    """A capture, void or reversal of a hold or transaction another client's request made,
    by a key without the ``admin`` scope."""


class InvalidReversal(BusinessRejection, code="INVALID_REVERSAL"):
    """A reversal of a reversal: correct the original instead."""


class ReversalExceedsOriginal(BusinessRejection, code="REVERSAL_EXCEEDS_ORIGINAL"):
    """The reversals of a transaction would sum to more than its amount."""


class PostingAbandoned(BusinessRejection, code="POSTING_ABANDONED"):
    """Delivered ``MAX_ATTEMPTS`` times, each delivery crashing its worker: a poison request
    is failed rather than retried for ever."""


class AmountPrecision(LedgerError, code="AMOUNT_PRECISION"):
    """More decimal places than the asset's scale."""


class InvalidExpiry(LedgerError, code="INVALID_EXPIRY"):
    """A hold's ``expiresInSeconds`` outside 1..604800."""


class AccountExists(LedgerError, code="ACCOUNT_EXISTS"):
    """An account number taken, under another name."""


class AssetExists(LedgerError, code="ASSET_EXISTS"):
    """An asset code taken."""


class InvalidScale(LedgerError, code="INVALID_SCALE"):
    """An asset's scale outside 0..8."""


class RequestNotFound(LedgerError, code="REQUEST_NOT_FOUND"):
    """No request of this client has this idempotency key."""


class IdempotencyKeyReused(LedgerError, code="IDEMPOTENCY_KEY_REUSED"):
    """The key names a request recorded with another payload: a reused key, not a replay."""


class InvalidCursor(LedgerError, code="INVALID_CURSOR"):
    """A history cursor this service did not issue."""


class WebhookNotFound(LedgerError, code="WEBHOOK_NOT_FOUND"):
    """No webhook has this id."""


class MonitorNotFound(LedgerError, code="MONITOR_NOT_FOUND"):
    """No balance monitor has this id."""


class WebhookUrlRefused(LedgerError, code="WEBHOOK_URL_REFUSED"):
    """A webhook URL the service will not call: not http(s), unresolvable, or resolving to a
    private, loopback or link-local address where those are not allowed (infra.egress)."""
