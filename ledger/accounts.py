"""Accounts and assets: create, read, list (keyset by id), freeze and unfreeze.

A new account gets a zero balance row per asset and a new asset one per account, in the same
transaction (ledger.seed); posting only ever locks existing rows. Creations are serialized
(ledger.seed's catalog lock), so an account and an asset created at once never miss the row
of each other.
"""

from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.errors import AccountExists, AssetExists, InvalidAccount, InvalidScale
from ledger.models import Account, AssetType
from ledger.reads.queries import decode_cursor, encode_cursor, find_account
from ledger.reads.views import AccountPage, AccountView, AssetPage, AssetView
from ledger.seed import create_accounts, create_assets
from ledger.statuses import AccountStatus

MAX_SCALE = 8
Row = TypeVar("Row", Account, AssetType)


def create_account(session: Session, *, account_number: str, name: str) -> tuple[AccountView, bool]:
    """A user account and its balance rows; ``(account, created)``. An account already under
    this number and name is returned as it is (created False); under another name, or a
    system account, it is refused (ACCOUNT_EXISTS)."""
    created = create_accounts(session, accounts=[(account_number, name, "user")])
    account = find_account(session, account_number=account_number)
    if not created and (account.name != name or account.kind != "user"):
        raise AccountExists(f"account {account_number!r} exists under another name")
    return _account_view(account), bool(created)


def get_account(session: Session, *, account_number: str) -> AccountView:
    return _account_view(find_account(session, account_number=account_number))


def list_accounts(session: Session, *, limit: int, cursor: str | None = None) -> AccountPage:
    """Accounts in creation order, ``limit`` a page; ``next_cursor`` None on the last."""
    rows, next_cursor = _page(session, Account, "a", limit, cursor)
    return AccountPage(accounts=[_account_view(a) for a in rows], next_cursor=next_cursor)


def freeze_account(session: Session, *, account_number: str) -> AccountView:
    """A frozen account refuses every movement out (ACCOUNT_FROZEN): spends, transfers out,
    new holds, captures and reversals that debit it; it still receives, and its holds may
    still be voided or expire. Idempotent."""
    return _set_status(session, account_number, AccountStatus.FROZEN)


def unfreeze_account(session: Session, *, account_number: str) -> AccountView:
    return _set_status(session, account_number, AccountStatus.ACTIVE)


def _set_status(session: Session, account_number: str, status: AccountStatus) -> AccountView:
    account = find_account(session, account_number=account_number)
    if account.kind != "user":
        raise InvalidAccount(f"{account_number} is not a user account")
    session.execute(
        update(Account).where(Account.id == account.id).values(status=status),
        execution_options={"synchronize_session": False},
    )
    session.refresh(account)
    return _account_view(account)


def create_asset(session: Session, *, code: str, name: str, scale: int) -> tuple[AssetView, bool]:
    """An asset and a zero balance row for every account; ``(asset, created)``. The same code
    with the same name and scale is returned as it is; otherwise refused (ASSET_EXISTS)."""
    if not 0 <= scale <= MAX_SCALE:
        raise InvalidScale(f"scale must be 0..{MAX_SCALE}")
    created = create_assets(session, assets=[(code, name, scale)])
    asset = session.scalars(select(AssetType).where(AssetType.code == code)).one()
    if not created and (asset.name, asset.scale) != (name, scale):
        raise AssetExists(f"asset {code!r} exists with another name or scale")
    return _asset_view(asset), bool(created)


def list_assets(session: Session, *, limit: int, cursor: str | None = None) -> AssetPage:
    """Assets in creation order, ``limit`` a page; ``next_cursor`` None on the last."""
    rows, next_cursor = _page(session, AssetType, "t", limit, cursor)
    return AssetPage(assets=[_asset_view(a) for a in rows], next_cursor=next_cursor)


def _page(
    session: Session, model: type[Row], kind: str, limit: int, cursor: str | None
) -> tuple[list[Row], str | None]:
    """One keyset page of ``model`` by id, and the cursor after it (tagged ``kind``)."""
    query = select(model).order_by(model.id).limit(limit + 1)
    if cursor is not None:
        query = query.where(model.id > decode_cursor(cursor, kind))
    rows = list(session.scalars(query))
    more = len(rows) > limit
    return rows[:limit], encode_cursor(rows[limit - 1].id, kind) if more else None


def _account_view(account: Account) -> AccountView:
    return AccountView.model_validate(account, from_attributes=True)  # the same names


def _asset_view(asset: AssetType) -> AssetView:
    return AssetView.model_validate(asset, from_attributes=True)
