"""Double-entry posting of many requests in one transaction.

The balance rows the batch touches are locked first (ledger.posting.balances). Each posting
is checked against the running
balances in order, so a rejected posting (insufficient funds) leaves the others untouched:
a debited user needs the amount available (posted minus held), and a frozen account refuses
the movements that would take from it (spends, transfers out).
Each accepted posting becomes one transaction with one DEBIT and one CREDIT entry of equal
amount, each entry keeping the balance after it (ledger.posting.journal writes them). A hot system
account's row is updated once per batch, not once per posting: that lifts the hot-row ceiling.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledger.errors import AccountFrozen, BusinessRejection, InsufficientFunds, InvalidAccount
from ledger.money import format_amount
from ledger.posting.balances import BalanceKey, LockedBalance
from ledger.posting.journal import Journal, PostedTransaction


@dataclass(slots=True)  # not frozen: built 1,000 times a batch, frozen's __init__ costs more
class Posting:
    """What a request posts: the two balance rows a requested ``Movement`` moves between
    (for a capture or a reversal, found from the hold or the original), and the rules the
    pair must pass. Built by ledger.posting.dispatch; never stored."""

    request_id: str
    type: str
    debit_account: str
    credit_account: str
    asset_code: str
    amount: Decimal
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    users: tuple[str, ...] = ()  # accounts that must be users' (INVALID_ACCOUNT otherwise)
    refuse_frozen: bool = False  # a frozen debited account refuses it (ACCOUNT_FROZEN)
    check_funds: bool = True  # the debited user needs the amount available
    hold_id: str | None = None  # the hold a capture settles
    reversal_of: str | None = None  # the transaction a reversal reverses


def post_one(
    journal: Journal,
    posting: Posting,
    balances: dict[BalanceKey, LockedBalance],
    missing: dict[BalanceKey, BusinessRejection],
) -> BusinessRejection | None:
    """Check ``posting`` against the running balances and post it, or say why not."""
    code = posting.asset_code
    for number in (posting.debit_account, posting.credit_account):
        if (number, code) in missing:
            return missing[number, code]
    source = balances[posting.debit_account, code]
    destination = balances[posting.credit_account, code]
    rejection = _refusal(posting, source, destination, balances)
    if rejection is None:
        _post(journal, posting, source, destination)
    return rejection


def _post(
    journal: Journal, posting: Posting, source: LockedBalance, destination: LockedBalance
) -> None:
    """Move the amount between the two locked balances and record the transaction."""
    source.balance -= posting.amount
    destination.balance += posting.amount
    journal.changed[source.id], journal.changed[destination.id] = source, destination
    metadata = json.dumps(journal.sealer.seal(posting.metadata)) if posting.metadata else "{}"
    journal.posted.append(
        PostedTransaction(
            request_id=posting.request_id,
            type=posting.type,
            description=posting.description,
            metadata=metadata,
            asset_id=source.asset_id,
            amount=posting.amount,
            debit_id=source.id,
            debit_account=source.account_id,
            debit_after=source.balance,
            credit_id=destination.id,
            credit_account=destination.account_id,
            credit_after=destination.balance,
            hold_id=posting.hold_id,
            reversal_of=posting.reversal_of,
        )
    )


def _refusal(
    posting: Posting,
    source: LockedBalance,
    destination: LockedBalance,
    balances: dict[BalanceKey, LockedBalance],
) -> BusinessRejection | None:
    code = posting.asset_code
    for number in posting.users:
        if balances[number, code].kind != "user":
            return InvalidAccount(f"{number} is not a user account")
    if source is destination:
        return InvalidAccount(f"{posting.debit_account} cannot pay itself")
    if posting.refuse_frozen and source.frozen:
        return AccountFrozen(f"{posting.debit_account} is frozen")
    if posting.check_funds and not source.allow_negative and source.available < posting.amount:
        return insufficient(source, posting.debit_account, code, posting.amount)
    return None


def insufficient(
    source: LockedBalance, number: str, code: str, amount: Decimal
) -> InsufficientFunds:
    held = f" ({format_amount(source.held, source.scale)} held)" if source.held else ""
    return InsufficientFunds(
        f"{number} holds {format_amount(source.balance, source.scale)} {code}{held}, "
        f"needs {format_amount(amount, source.scale)}"
    )
