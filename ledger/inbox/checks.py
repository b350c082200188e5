"""Submission checks against facts that never change once true: the asset exists with its
scale, the account exists and is a user's, a named hold or transaction exists (with its
asset) and was made by the submitting client's request (unless the caller may act on any
client's: ``Submission.any_owner``). Refused here, a request is never recorded. What may
change (a frozen account, a hold no longer active, funds) is the worker's to check."""

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, any_, bindparam, select
from sqlalchemy.orm import Session

from ledger.errors import (
    AccountNotFound,
    AmountPrecision,
    AssetNotFound,
    HoldNotFound,
    InvalidAccount,
    InvalidExpiry,
    LedgerError,
    NotOwner,
    TransactionNotFound,
)
from ledger.inbox.submission import Submission
from ledger.models import Account, AssetType, Hold, LedgerEntry, Request, Transaction
from ledger.money import decimal_places, quantize
from ledger.operations import MAX_HOLD_SECONDS, parse_uuid

# The facts a submission is checked against, by key (``keys``: a list of codes or numbers).
SCALES = select(AssetType.code, AssetType.scale).where(AssetType.code == any_(bindparam("keys")))
KINDS = select(Account.account_number, Account.kind).where(
    Account.account_number == any_(bindparam("keys"))
)
# Runs SCALES or KINDS for these keys: (key, fact) rows.
Lookup = Callable[[Select[str, Any], list[str]], Iterable[Any]]


def check_submissions(
    session: Session, *, submissions: list[Submission], facts: "KnownFacts | None" = None
) -> list[Submission]:
    """Refuse unknown assets, accounts, holds and transactions, another client's holds and
    transactions, and over-precise amounts; quantize amounts to the asset's scale.
    ``facts``: what the caller (an app) remembers across calls; none by default."""
    facts = KnownFacts() if facts is None else facts
    scales, kinds = _facts(submissions, facts, lambda s, keys: session.execute(s, {"keys": keys}))
    owners = _referenced(session, submissions)
    scales |= {id_: scale for id_, (scale, _) in owners.items()}
    checked = []
    for index, submission in enumerate(submissions):
        try:
            _check_owner(submission, owners)
            checked.append(_checked(submission, scales, kinds))
        except LedgerError as error:
            error.index = index  # so a batch's refusal points at its operation
            raise
    return checked


def names_a_record(submission: Submission) -> bool:
    """Whether it names a hold or a transaction (its checks then read them)."""
    return submission.hold_id is not None or submission.transaction_id is not None


def check_movement(submission: Submission, facts: "KnownFacts", lookup: Lookup) -> Submission:
    """``check_submissions`` of one submission that names no hold or transaction, with what
    ``facts`` does not remember looked up by ``lookup``."""
    if names_a_record(submission):
        raise ValueError("a submission naming a hold or transaction needs check_submissions")
    scales, kinds = _facts([submission], facts, lookup)
    try:
        return _checked(submission, scales, kinds)
    except LedgerError as error:
        error.index = 0  # as check_submissions: a batch of one points at its operation
        raise


def _facts(
    submissions: list[Submission], facts: "KnownFacts", lookup: Lookup
) -> tuple[dict[str, int], dict[str, str]]:
    """The scales of the assets and the kinds of the accounts the submissions name."""
    codes = {s.asset_code for s in submissions if s.asset_code}
    numbers = {n for s in submissions for n in (s.account_number, s.to_account) if n}
    scales = facts.scales.fetch(codes, lambda keys: lookup(SCALES, sorted(keys)))
    kinds = facts.kinds.fetch(numbers, lambda keys: lookup(KINDS, sorted(keys)))
    return scales, kinds


class KnownFacts:
    """Memory of facts that never change once true (an asset's scale, an account's kind),
    kept by its owner (one per API app): a submit for a known account and asset needs no
    lookup query. Misses are not remembered, so an account created later is found on its
    first use."""

    def __init__(self) -> None:
        self.scales = _Memo()
        self.kinds = _Memo()


class _Memo:
    """One kind of fact, by key; safe to share between threads."""

    def __init__(self) -> None:
        self._facts: dict[str, Any] = {}
        self._lock = threading.Lock()

    def fetch(self, keys: set[str], load: Callable[[set[str]], Iterable[Any]]) -> dict[str, Any]:
        with self._lock:
            found = {k: self._facts[k] for k in keys if k in self._facts}
        missing = keys - found.keys()
        if missing:
            loaded = {key: value for key, value in load(missing)}
            with self._lock:
                self._facts.update(loaded)
            found.update(loaded)
        return found


def _referenced(session: Session, submissions: list[Submission]) -> dict[str, tuple[int, str]]:
    """The asset scale and the owner (the client whose request made it) of each hold and
    transaction the submissions name, by id as text; a hold or transaction, once there,
    stays, with its asset and owner. No query if none is named."""
    holds = {h for s in submissions if s.hold_id and (h := parse_uuid(s.hold_id))}
    txs = {t for s in submissions if s.transaction_id and (t := parse_uuid(s.transaction_id))}
    found: dict[str, tuple[int, str]] = {}
    if holds:
        rows = session.execute(
            select(Hold.id, AssetType.scale, Request.client_id)
            .join(AssetType, AssetType.id == Hold.asset_id)
            .join(Request, Request.id == Hold.request_id)
            .where(Hold.id.in_(holds))
        )
        found |= {str(id_): (scale, owner) for id_, scale, owner in rows}
    if txs:
        rows = session.execute(
            select(Transaction.id, AssetType.scale, Request.client_id)
            .join(LedgerEntry, LedgerEntry.transaction_id == Transaction.id)
            .join(AssetType, AssetType.id == LedgerEntry.asset_id)
            .join(Request, Request.id == Transaction.request_id)
            .where(Transaction.id.in_(txs), LedgerEntry.direction == "DEBIT")
        )
        found |= {str(id_): (scale, owner) for id_, scale, owner in rows}
    return found


def _check_owner(submission: Submission, owners: dict[str, tuple[int, str]]) -> None:
    """Another client's hold or transaction is refused unless the caller may act on any
    (an unknown one is left to ``_scale``: not found)."""
    named = submission.hold_id or submission.transaction_id
    record = owners.get(str(parse_uuid(named))) if named and not submission.any_owner else None
    if record is not None and record[1] != submission.client_id:
        what = "hold" if submission.hold_id else "transaction"
        raise NotOwner(f"{what} {named} was made by another client; acting on it needs admin")


def _checked(submission: Submission, scales: dict[str, int], kinds: dict[str, str]) -> Submission:
    scale = _scale(submission, scales)
    amount = submission.amount
    if amount is not None and decimal_places(amount) > scale:
        code = submission.asset_code or "this asset's"
        raise AmountPrecision(f"{code} amounts have at most {scale} decimal places")
    for number in (submission.account_number, submission.to_account):
        if number is not None:
            _check_user(number, kinds)
    if submission.to_account is not None and submission.to_account == submission.account_number:
        raise InvalidAccount("a transfer needs two different accounts")
    expiry = submission.expires_in_seconds
    if expiry is not None and not 0 < expiry <= MAX_HOLD_SECONDS:
        raise InvalidExpiry(f"expiresInSeconds must be 1..{MAX_HOLD_SECONDS}")
    return submission if amount is None else replace(submission, amount=quantize(amount, scale))


def _check_user(number: str, kinds: dict[str, str]) -> None:
    kind = kinds.get(number)
    if kind is None:
        raise AccountNotFound(f"account {number!r} does not exist")
    if kind != "user":
        raise InvalidAccount(f"{number} is not a user account")


def _scale(submission: Submission, scales: dict[str, int]) -> int:
    """The scale of the asset the submission moves, found by code, hold or transaction."""
    if submission.hold_id is not None:
        if (scale := scales.get(str(parse_uuid(submission.hold_id)))) is None:
            raise HoldNotFound(f"hold {submission.hold_id!r} does not exist")
        return scale
    if submission.transaction_id is not None:
        if (scale := scales.get(str(parse_uuid(submission.transaction_id)))) is None:
            raise TransactionNotFound(f"transaction {submission.transaction_id!r} does not exist")
        return scale
    if (scale := scales.get(submission.asset_code or "")) is None:
        raise AssetNotFound(f"asset {submission.asset_code!r} does not exist")
    return scale
