"""A batch of locked requests, whatever their types, checked and posted in arrival order.

Lock order, the same in every transaction that writes money, so none deadlocks: request rows
(ledger.posting.lifecycle), then holds (ascending id), then original transactions of reversals
(ascending id), then balance rows (ascending id). The expiry sweep (ledger.posting.expiry) takes
holds with SKIP LOCKED, then balance rows. A batch of top-ups, bonuses, spends and
transfers locks no hold or transaction: its statements are the seed's.

Each operation sees the running state the ones before it left (balances, held amounts, hold
statuses, reversed amounts): a capture and a void of one hold in one batch, one wins.
"""

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.orm import Session

from ledger.errors import BusinessRejection, HoldNotFound, TransactionNotFound
from ledger.operations import (
    DEFAULT_HOLD_SECONDS,
    Movement,
    Names,
    legs_for,
    parse_uuid,
    users_for,
)
from ledger.posting.balances import BalanceKey, LockedBalance, lock_parties
from ledger.posting.holds import (
    LockedHold,
    PlaceHold,
    SettleHold,
    lock_holds,
    place_hold,
    settle_hold,
)
from ledger.posting.journal import Journal
from ledger.posting.posting import Posting, post_one
from ledger.posting.reversals import LockedOriginal, Reverse, lock_originals, reverse

Operation = Posting | PlaceHold | SettleHold | Reverse | BusinessRejection
Request = tuple[str, Movement]  # a request's id and its movement


def post_movements(
    session: Session, *, postings: Sequence[Request], journal: Journal
) -> list[BusinessRejection | None]:
    """Post each request's movement into ``journal`` or say why not; the result lines up
    with ``postings``."""
    operations = [operation_for(id_, movement) for id_, movement in postings]
    holds = lock_holds(session, ids={o.hold_id for o in operations if isinstance(o, SettleHold)})
    originals = lock_originals(
        session, ids={o.transaction_id for o in operations if isinstance(o, Reverse)}
    )
    keys: set[BalanceKey] = set()
    for operation in operations:
        keys |= _keys(operation, holds, originals)
    balances, missing = lock_parties(session, keys=keys)
    return [_apply(o, journal, holds, originals, balances, missing) for o in operations]


def operation_for(request_id: str, movement: Movement) -> Operation:
    """What the request asks for (valid: the inbox checked it): what its operation's spec
    says it names decides."""
    type_, amount, names = movement.type, movement.amount, movement.type.spec.names
    if names is Names.TRANSACTION:
        if (original := parse_uuid(movement.transaction_id)) is None:
            return TransactionNotFound(f"transaction {movement.transaction_id!r} does not exist")
        return Reverse(
            request_id=request_id,
            transaction_id=str(original),
            amount=amount,
            description=movement.description,
        )
    if names is Names.HOLD:
        if (hold := parse_uuid(movement.hold_id)) is None:
            return HoldNotFound(f"hold {movement.hold_id!r} does not exist")
        return SettleHold(
            request_id=request_id,
            type=type_,
            hold_id=str(hold),
            amount=amount,
            description=movement.description,
        )
    user, code = str(movement.account_number), str(movement.asset_code)
    if not type_.spec.posts_transaction:  # a hold: reserved, nothing posted
        return PlaceHold(
            request_id=request_id,
            account_number=user,
            asset_code=code,
            amount=amount or Decimal(0),
            seconds=movement.expires_in_seconds or DEFAULT_HOLD_SECONDS,
            description=movement.description,
        )
    return _posting(request_id, movement, user, code)


def _posting(request_id: str, movement: Movement, user: str, code: str) -> Posting:
    """A seed movement's or a transfer's two legs, as its spec draws them; whether a frozen
    payer refuses it (a spend, a transfer) or not (a top-up, a bonus reach a frozen account)
    is the spec's too."""
    type_, recipient = movement.type, movement.to_account
    legs = legs_for(type_, user, recipient)
    return Posting(
        request_id=request_id,
        type=type_,
        debit_account=legs.debit_account,
        credit_account=legs.credit_account,
        asset_code=code,
        amount=movement.amount or Decimal(0),
        description=movement.description,
        metadata=movement.metadata,
        users=users_for(type_, user, recipient),
        refuse_frozen=type_.spec.refuses_frozen,
    )


def _keys(
    operation: Operation, holds: dict[str, LockedHold], originals: dict[str, LockedOriginal]
) -> set[BalanceKey]:
    if isinstance(operation, Posting):
        code = operation.asset_code
        return {(operation.debit_account, code), (operation.credit_account, code)}
    if isinstance(operation, PlaceHold):
        return {(operation.account_number, operation.asset_code)}
    if isinstance(operation, SettleHold) and (hold := holds.get(operation.hold_id)):
        if operation.type.spec.legs is None:  # a void: the hold's row alone
            return {hold.key}
        legs = legs_for(operation.type, hold.account_number)
        return {(legs.debit_account, hold.asset_code), (legs.credit_account, hold.asset_code)}
    if isinstance(operation, Reverse) and (original := originals.get(operation.transaction_id)):
        return original.keys()
    return set()


def _apply(
    operation: Operation,
    journal: Journal,
    holds: dict[str, LockedHold],
    originals: dict[str, LockedOriginal],
    balances: dict[BalanceKey, LockedBalance],
    missing: dict[BalanceKey, BusinessRejection],
) -> BusinessRejection | None:
    if isinstance(operation, BusinessRejection):
        return operation
    if isinstance(operation, Posting):
        return post_one(journal, operation, balances, missing)
    if isinstance(operation, Reverse):
        return reverse(journal, operation, originals, balances, missing)
    if isinstance(operation, PlaceHold):
        key = (operation.account_number, operation.asset_code)
        return missing[key] if key in missing else place_hold(journal, operation, balances)
    return settle_hold(journal, operation, holds, balances)
