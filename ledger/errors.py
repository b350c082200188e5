"""Domain errors. Each carries a stable machine-readable ``code``."""


class LedgerError(Exception):
    code = "LEDGER_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        # Which of the submissions checked together it refuses (None: not tied to one).
        self.index: int | None = None


class BusinessRejection(LedgerError):
    """A request the ledger refuses for good: an outcome, never retried."""


class InsufficientFunds(BusinessRejection):
    code = "INSUFFICIENT_FUNDS"


class AccountNotFound(BusinessRejection):
    code = "ACCOUNT_NOT_FOUND"


class InvalidAccount(BusinessRejection):
    code = "INVALID_ACCOUNT"


class AssetNotFound(BusinessRejection):
    code = "ASSET_NOT_FOUND"


class PostingAbandoned(BusinessRejection):
    code = "POSTING_ABANDONED"


class AmountPrecision(LedgerError):
    code = "AMOUNT_PRECISION"


class RequestNotFound(LedgerError):
    code = "REQUEST_NOT_FOUND"


class IdempotencyKeyReused(LedgerError):
    code = "IDEMPOTENCY_KEY_REUSED"


class InvalidCursor(LedgerError):
    code = "INVALID_CURSOR"
