"""A request's statuses and a delivery's outcome: the words the schema, the read models and the
claim-and-post protocol (ledger.posting.lifecycle, which draws the lifecycle) share. A leaf: it
imports nothing of the project, so the schema (ledger.models) does not depend on the
protocol."""

from collections.abc import Sequence
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


def sql_list(statuses: Sequence[Status]) -> str:
    """``('queued', 'processing')``: statuses as SQL literals (partial indexes match on them)."""
    return "(" + ", ".join(f"'{status}'" for status in statuses) + ")"


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
