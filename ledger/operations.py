"""The operations a game server can request: one table (``SPECS``) says, per operation, what
its payload names, which accounts it moves between, whether a frozen account refuses it and
whether it posts a transaction; validation, dispatch, the payload and the views read it.

DEBIT lowers the debited account's balance and CREDIT raises the credited one, as in the
seed service: a top-up debits SYS-TREASURY-001 and credits the user.

- topup, bonus, spend: the seed's movements between a user and a system account.
- transfer: user -> user (both users, different accounts).
- hold: reserves funds on a user's balance row (``held``); no transaction until captured.
- capture: settles a hold, user -> SYS-REVENUE-001; void releases it; expiry (beat) too.
- reversal: the original transaction's legs swapped, for all or part of its amount.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

TREASURY = "SYS-TREASURY-001"
BONUS_POOL = "SYS-BONUS-001"
REVENUE = "SYS-REVENUE-001"

DEFAULT_HOLD_SECONDS = 3600
MAX_HOLD_SECONDS = 604800  # a week

# The payload's keys (camelCase, as the API's bodies name them).
ACCOUNT_NUMBER, FROM_ACCOUNT, TO_ACCOUNT = "accountNumber", "fromAccount", "toAccount"
HOLD_ID, TRANSACTION_ID = "holdId", "transactionId"
ASSET_CODE, AMOUNT, EXPIRES_IN_SECONDS = "assetCode", "amount", "expiresInSeconds"


class OperationType(StrEnum):
    TOPUP = "topup"
    BONUS = "bonus"
    SPEND = "spend"
    TRANSFER = "transfer"
    HOLD = "hold"
    CAPTURE = "capture"
    VOID = "void"
    REVERSAL = "reversal"

    @property
    def spec(self) -> "OperationSpec":
        return SPECS[self]


class Names(Enum):
    """What an operation's payload names to act on, under which keys."""

    USER = (ACCOUNT_NUMBER,)
    TWO_USERS = (FROM_ACCOUNT, TO_ACCOUNT)
    HOLD = (HOLD_ID,)
    TRANSACTION = (TRANSACTION_ID,)


class Party(StrEnum):
    """A leg's account that the request decides (the other legs are system accounts)."""

    USER = "user"  # the account the payload names (accountNumber, fromAccount), or the hold's
    RECIPIENT = "recipient"  # a transfer's toAccount


@dataclass(frozen=True)
class Legs:
    debit_account: str
    credit_account: str


@dataclass(frozen=True)
class LegRule:
    """An operation's legs: each a party of the request or a system account's number."""

    debit: Party | str
    credit: Party | str

    def legs(self, user: str, recipient: str | None = None) -> Legs:
        return Legs(_account(self.debit, user, recipient), _account(self.credit, user, recipient))

    def users(self, user: str, recipient: str | None = None) -> tuple[str, ...]:
        """The accounts that must be users' (INVALID_ACCOUNT otherwise): the parties."""
        parties = (leg for leg in (self.debit, self.credit) if isinstance(leg, Party))
        return tuple(_account(party, user, recipient) for party in parties)


def _account(leg: Party | str, user: str, recipient: str | None) -> str:
    if leg is Party.USER:
        return user
    if leg is Party.RECIPIENT:
        return str(recipient)
    return leg


@dataclass(frozen=True, kw_only=True)
class OperationSpec:
    names: Names
    # Whether assetCode and amount are required (a capture's and a reversal's amount is not:
    # None is the whole hold, what is left of the original).
    amounted: bool
    legs: LegRule | None  # None: none of its own (a hold, a void; a reversal swaps its original's)
    posts_transaction: bool
    refuses_frozen: bool  # a frozen account refuses it as the one it takes from
    default_description: str | None = None  # what it is for when its body names nothing

    @property
    def required(self) -> tuple[str, ...]:
        """The payload fields it cannot do without (ledger.posting.lifecycle refuses to post a
        payload that lacks one, as it refuses one it cannot open)."""
        named: tuple[str, ...] = self.names.value
        return named + ((ASSET_CODE, AMOUNT) if self.amounted else ())


SPECS: dict[OperationType, OperationSpec] = {
    OperationType.TOPUP: OperationSpec(
        names=Names.USER,
        amounted=True,
        legs=LegRule(TREASURY, Party.USER),
        posts_transaction=True,
        refuses_frozen=False,  # a frozen account still receives
    ),
    OperationType.BONUS: OperationSpec(
        names=Names.USER,
        amounted=True,
        legs=LegRule(BONUS_POOL, Party.USER),
        posts_transaction=True,
        refuses_frozen=False,
        default_description="Bonus credit",
    ),
    OperationType.SPEND: OperationSpec(
        names=Names.USER,
        amounted=True,
        legs=LegRule(Party.USER, REVENUE),
        posts_transaction=True,
        refuses_frozen=True,
        default_description="In-app purchase",
    ),
    OperationType.TRANSFER: OperationSpec(
        names=Names.TWO_USERS,
        amounted=True,
        legs=LegRule(Party.USER, Party.RECIPIENT),
        posts_transaction=True,
        refuses_frozen=True,
    ),
    OperationType.HOLD: OperationSpec(
        names=Names.USER, amounted=True, legs=None, posts_transaction=False, refuses_frozen=True
    ),
    OperationType.CAPTURE: OperationSpec(
        names=Names.HOLD,
        amounted=False,
        legs=LegRule(Party.USER, REVENUE),  # the user: the hold's
        posts_transaction=True,
        refuses_frozen=True,
    ),
    OperationType.VOID: OperationSpec(  # no money moves: a frozen account's hold is voided too
        names=Names.HOLD, amounted=False, legs=None, posts_transaction=False, refuses_frozen=False
    ),
    OperationType.REVERSAL: OperationSpec(
        names=Names.TRANSACTION,
        amounted=False,
        legs=None,
        posts_transaction=True,
        refuses_frozen=True,  # when the account its swapped legs debit is frozen
    ),
}
SEED_OPERATION_TYPES = (OperationType.TOPUP, OperationType.BONUS, OperationType.SPEND)


def parse_uuid(value: object) -> uuid.UUID | None:
    """``value`` as a UUID (the ids a payload names), or None if it is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def named_user(payload: dict[str, Any]) -> str | None:
    """The user a stored payload names (a transfer's sender); None for a hold's or a
    transaction's."""
    found: str | None = payload.get(ACCOUNT_NUMBER) or payload.get(FROM_ACCOUNT)
    return found


def named_hold(payload: dict[str, Any]) -> uuid.UUID | None:
    """The hold a stored capture's or void's payload names, if it is an id at all."""
    return parse_uuid(payload.get(HOLD_ID))


def legs_for(operation: OperationType, user: str, recipient: str | None = None) -> Legs:
    """The legs of an operation that has its own (not a hold, a void or a reversal) for the
    user (a capture's: the hold's) and a transfer's ``recipient``."""
    return _rule(operation).legs(user, recipient)


def users_for(operation: OperationType, user: str, recipient: str | None = None) -> tuple[str, ...]:
    """The accounts of ``legs_for`` that must be users'."""
    return _rule(operation).users(user, recipient)


def _rule(operation: OperationType) -> LegRule:
    if (rule := operation.spec.legs) is None:
        raise ValueError(f"{operation} has no legs of its own")
    return rule


@dataclass(frozen=True, kw_only=True)
class Movement:
    """One requested operation, as a request's payload keeps it: validated at the edge (the
    API, the seeder), recorded by the inbox (``Submission``), posted by a worker.

    Which fields an operation uses (the others stay None):
    - topup, bonus, spend: ``account_number`` (the user), ``asset_code``, ``amount``;
    - transfer: ``account_number`` (the sender), ``to_account``, ``asset_code``, ``amount``;
    - hold: ``account_number``, ``asset_code``, ``amount``, ``expires_in_seconds``;
    - capture: ``hold_id``, ``amount`` (None: the whole hold); void: ``hold_id``;
    - reversal: ``transaction_id``, ``amount`` (None: what is left), ``description`` (reason).
    Every one may have a ``description``; a spend's and a bonus's default to the seed's.
    ``type`` may be given as its text ("topup"): it is kept as an ``OperationType``.
    """

    type: OperationType
    account_number: str | None = None
    asset_code: str | None = None
    amount: Decimal | None = None
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    to_account: str | None = None
    hold_id: str | None = None
    transaction_id: str | None = None
    expires_in_seconds: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", OperationType(self.type))
        if self.description is None:
            object.__setattr__(self, "description", self.type.spec.default_description)

    def payload(self) -> dict[str, Any]:
        """What the inbox stores (and hashes, to tell a replay from a reused key); the seed
        operations' shape is unchanged."""
        amount = None if self.amount is None else str(self.amount)
        common: dict[str, Any] = {"description": self.description, "metadata": self.metadata}
        names = self.type.spec.names
        if names is Names.TWO_USERS:
            parties = {FROM_ACCOUNT: self.account_number, TO_ACCOUNT: self.to_account}
            return {**parties, ASSET_CODE: self.asset_code, AMOUNT: amount, **common}
        if names is Names.HOLD:
            return {HOLD_ID: self.hold_id, AMOUNT: amount, **common}
        if names is Names.TRANSACTION:
            return {TRANSACTION_ID: self.transaction_id, AMOUNT: amount, **common}
        payload: dict[str, Any] = {ACCOUNT_NUMBER: self.account_number}
        payload |= {ASSET_CODE: self.asset_code, AMOUNT: amount, **common}
        if self.type is OperationType.HOLD:
            payload[EXPIRES_IN_SECONDS] = self.expires_in_seconds or DEFAULT_HOLD_SECONDS
        return payload

    @classmethod
    def from_payload(cls, operation: str, payload: dict[str, Any]) -> "Movement":
        """The movement a stored payload asks for; KeyError for an unknown operation or a
        missing field, ValueError (or decimal's InvalidOperation) for a malformed one."""
        try:
            type_ = OperationType(operation)
        except ValueError:
            raise KeyError(f"unknown operation {operation!r}") from None
        missing = [name for name in type_.spec.required if payload.get(name) is None]
        if missing:
            raise KeyError(f"{operation} payload without {', '.join(missing)}")
        amount = payload.get(AMOUNT)
        return cls(
            type=type_,
            account_number=named_user(payload),
            asset_code=payload.get(ASSET_CODE),
            amount=None if amount is None else Decimal(amount),
            description=payload.get("description"),
            metadata=payload.get("metadata") or {},
            to_account=payload.get(TO_ACCOUNT),
            hold_id=payload.get(HOLD_ID),
            transaction_id=payload.get(TRANSACTION_ID),
            expires_in_seconds=payload.get(EXPIRES_IN_SECONDS),
        )
