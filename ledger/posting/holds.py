"""Holds: authorize now (reserve funds as ``held`` on the user's balance row), settle later.

- Placing a hold needs the amount available (posted minus held) on an active (not frozen)
  user account; it posts no transaction.
- Capturing posts a ``capture`` transaction user -> SYS-REVENUE-001 for the captured amount
  (at most the hold's; all of it by default) and releases the whole hold from ``held``. It
  needs no funds check: the hold reserved them. A frozen account refuses every movement
  out, a capture too (ACCOUNT_FROZEN, the hold left active): a hold on an account frozen
  after it was placed is captured after the unfreeze, or voided, or expires.
- Voiding releases the hold (on a frozen account too: no money moves); expiry
  (ledger.posting.expiry, the beat) too.
- A hold past its ``expires_at`` is expired whether or not the beat has swept it yet: a
  capture or void of it fails HOLD_NOT_ACTIVE and expires it in the same transaction, so
  the outcome never depends on when the beat ran.

Hold rows are locked (ascending id) before any balance row, after the request rows.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.errors import (
    AccountFrozen,
    BusinessRejection,
    CaptureExceedsHold,
    HoldNotActive,
    HoldNotFound,
    InvalidAccount,
)
from ledger.money import format_amount
from ledger.operations import OperationType, legs_for
from ledger.posting.balances import BalanceKey, LockedBalance
from ledger.posting.journal import Journal
from ledger.posting.journal_extras import PlacedHold, SettledHold
from ledger.posting.posting import Posting, insufficient, post_one
from ledger.prepared import lock_by_id
from ledger.rows import select_as, select_list
from ledger.statuses import HoldStatus


@dataclass(frozen=True)
class PlaceHold:
    request_id: str
    account_number: str
    asset_code: str
    amount: Decimal
    seconds: int
    description: str | None


@dataclass(frozen=True)
class SettleHold:
    """A capture (``amount`` None: the whole hold) or a void of ``hold_id``."""

    request_id: str
    type: OperationType  # capture | void
    hold_id: str
    amount: Decimal | None = None
    description: str | None = None


@dataclass
class LockedHold:
    id: str = select_as("CAST(h.id AS text)")
    status: str = select_as("h.status")  # a HoldStatus
    amount: Decimal = select_as("h.amount")
    lapsed: bool = select_as("h.expires_at <= now()")  # past expires_at
    account_number: str = select_as("a.account_number")
    asset_code: str = select_as("t.code")
    description: str | None = select_as("h.description")

    @property
    def key(self) -> BalanceKey:
        return (self.account_number, self.asset_code)


LOCK_HOLDS = text(f"""
SELECT {select_list(LockedHold)}
FROM holds h JOIN accounts a ON a.id = h.account_id JOIN asset_types t ON t.id = h.asset_id
WHERE h.id = ANY(CAST(:ids AS uuid[])) ORDER BY h.id FOR UPDATE OF h
""")  # noqa: S608 - the shape's own expressions, no input


def lock_holds(session: Session, *, ids: set[str]) -> dict[str, LockedHold]:
    """Lock these holds in ascending id order; unknown ids are left out."""
    return lock_by_id(session, LOCK_HOLDS, ids=ids, make=LockedHold)


def place_hold(
    journal: Journal, hold: PlaceHold, balances: dict[BalanceKey, LockedBalance]
) -> BusinessRejection | None:
    balance = balances[hold.account_number, hold.asset_code]
    if balance.kind != "user":
        return InvalidAccount(f"{hold.account_number} is not a user account")
    if OperationType.HOLD.spec.refuses_frozen and balance.frozen:
        return AccountFrozen(f"{hold.account_number} is frozen")
    if balance.available < hold.amount:
        return insufficient(balance, hold.account_number, hold.asset_code, hold.amount)
    balance.held += hold.amount
    journal.changed[balance.id] = balance
    journal.extras.placed.append(
        PlacedHold(
            id=str(uuid.uuid4()),
            request_id=hold.request_id,
            balance_id=balance.id,
            account_id=balance.account_id,
            asset_id=balance.asset_id,
            amount=hold.amount,
            description=hold.description,
            seconds=hold.seconds,
        )
    )
    return None


def settle_hold(
    journal: Journal,
    settle: SettleHold,
    holds: dict[str, LockedHold],
    balances: dict[BalanceKey, LockedBalance],
) -> BusinessRejection | None:
    """Capture or void a locked hold, or say why not (the hold's running state is updated,
    so a second settlement of it in the same batch finds it settled)."""
    hold = holds.get(settle.hold_id)
    if hold is None:
        return HoldNotFound(f"hold {settle.hold_id!r} does not exist")
    if hold.status == HoldStatus.ACTIVE and hold.lapsed:
        _finish(journal, hold, balances, HoldStatus.EXPIRED, Decimal(0))
        return HoldNotActive(f"hold {hold.id} has expired")
    if hold.status != HoldStatus.ACTIVE:
        return HoldNotActive(f"hold {hold.id} is {hold.status}")
    if settle.type is OperationType.VOID:
        _finish(journal, hold, balances, HoldStatus.VOIDED, Decimal(0))
        return None
    return _capture(journal, settle, hold, balances)


def _capture(
    journal: Journal,
    settle: SettleHold,
    hold: LockedHold,
    balances: dict[BalanceKey, LockedBalance],
) -> BusinessRejection | None:
    """Settle ``amount`` of an active hold to revenue (default: all); release the rest."""
    amount = hold.amount if settle.amount is None else settle.amount
    if OperationType.CAPTURE.spec.refuses_frozen and balances[hold.key].frozen:
        return AccountFrozen(f"{hold.account_number} is frozen")
    if amount > hold.amount:
        scale = balances[hold.key].scale
        return CaptureExceedsHold(
            f"hold {hold.id} is for {format_amount(hold.amount, scale)} {hold.asset_code}"
        )
    _finish(journal, hold, balances, HoldStatus.CAPTURED, amount)
    legs = legs_for(OperationType.CAPTURE, hold.account_number)
    capture = Posting(
        request_id=settle.request_id,
        type=OperationType.CAPTURE,
        debit_account=legs.debit_account,
        credit_account=legs.credit_account,
        asset_code=hold.asset_code,
        amount=amount,
        description=settle.description or hold.description,
        check_funds=False,  # reserved by the hold, released just above
        hold_id=hold.id,
    )
    return post_one(journal, capture, balances, {})


def _finish(
    journal: Journal,
    hold: LockedHold,
    balances: dict[BalanceKey, LockedBalance],
    status: HoldStatus,
    captured: Decimal,
) -> None:
    balance = balances[hold.key]
    balance.held -= hold.amount
    journal.changed[balance.id] = balance
    hold.status = status
    journal.extras.settled[hold.id] = SettledHold(hold.id, status, captured)
