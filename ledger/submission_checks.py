"""Submission checks against facts that never change once true: the asset exists with its
scale, the account exists and is a user's. Refused here, a request is never recorded."""

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import (
    AccountNotFound,
    AmountPrecision,
    AssetNotFound,
    InvalidAccount,
    LedgerError,
)
from ledger.models import Account, AssetType
from ledger.money import decimal_places, quantize

if TYPE_CHECKING:
    from ledger.inbox import Submission


def check_submissions(
    session: Session, *, submissions: list["Submission"], facts: "KnownFacts | None" = None
) -> list["Submission"]:
    """Refuse unknown assets and accounts and over-precise amounts; quantize to the asset
    scale. ``facts``: what the caller (an app) remembers across calls; none by default."""
    facts = KnownFacts() if facts is None else facts
    scales = facts.scales.fetch(
        {s.asset_code for s in submissions},
        lambda codes: session.execute(
            select(AssetType.code, AssetType.scale).where(AssetType.code.in_(codes))
        ),
    )
    kinds = facts.kinds.fetch(
        {s.account_number for s in submissions},
        lambda numbers: session.execute(
            select(Account.account_number, Account.kind).where(Account.account_number.in_(numbers))
        ),
    )
    checked = []
    for index, submission in enumerate(submissions):
        try:
            checked.append(_checked(submission, scales, kinds))
        except LedgerError as error:
            error.index = index  # so a batch's refusal points at its operation
            raise
    return checked


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


def _checked(
    submission: "Submission", scales: dict[str, int], kinds: dict[str, str]
) -> "Submission":
    scale = scales.get(submission.asset_code)
    if scale is None:
        raise AssetNotFound(f"asset {submission.asset_code!r} does not exist")
    if decimal_places(submission.amount) > scale:
        raise AmountPrecision(
            f"{submission.asset_code} amounts have at most {scale} decimal places"
        )
    kind = kinds.get(submission.account_number)
    if kind is None:
        raise AccountNotFound(f"account {submission.account_number!r} does not exist")
    if kind != "user":
        raise InvalidAccount(f"{submission.account_number} is not a user account")
    return replace(submission, amount=quantize(submission.amount, scale))
