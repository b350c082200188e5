"""Find accounts and assets by their public codes, or raise the domain error that says so."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import AccountNotFound, AssetNotFound
from ledger.models import Account, AssetType


def find_account(session: Session, *, account_number: str) -> Account:
    account = session.scalar(select(Account).where(Account.account_number == account_number))
    if account is None:
        raise AccountNotFound(f"account {account_number!r} does not exist")
    return account


def find_asset(session: Session, *, code: str) -> AssetType:
    asset = session.scalar(select(AssetType).where(AssetType.code == code))
    if asset is None:
        raise AssetNotFound(f"asset {code!r} does not exist")
    return asset
