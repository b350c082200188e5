"""The statuses of requests, holds, accounts and webhook deliveries, and a delivery's
outcome: the words the schema (its CHECK constraints are generated from them), the read
models and the claim-and-post protocol (ledger.posting.lifecycle, which draws the request's
lifecycle) share. A leaf: it imports nothing of the project, so the schema (ledger.models)
does not depend on the protocol."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


PENDING = (Status.QUEUED, Status.PROCESSING)
TERMINAL = (Status.COMPLETED, Status.FAILED)


class HoldStatus(StrEnum):
    ACTIVE = "active"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"  # refuses every movement out (spends, transfers, holds, captures, ...)


class DeliveryStatus(StrEnum):
    """A webhook delivery's: pending until answered 2xx (delivered) or given up (failed)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def sql_list(words: Iterable[StrEnum]) -> str:
    """``('queued', 'processing')``: enum values as SQL literals (CHECK constraints and
    partial indexes match on them)."""
    return "(" + ", ".join(f"'{word}'" for word in words) + ")"


@dataclass(frozen=True)
class Outcome:
    request_id: str
    status: Status
    error_code: str | None = None
    error_message: str | None = None
    attempts: int = 1  # deliveries, this one included
    operation: str | None = None  # the request's type (topup, transfer, hold, ...)
    # A payload this delivery could not open: the error's class (never the payload). The
    # request is left ``processing``, its delivery counted.
    unreadable: str | None = None
