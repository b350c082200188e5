"""Balance monitors: ``balance.below`` fires when a posting takes an account's balance of an
asset from at-or-above ``below`` to under it (ledger.webhooks.outbox finds the crossings)."""

import uuid
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ledger.errors import AmountPrecision, AssetNotFound, MonitorNotFound
from ledger.models import Account, AssetType, BalanceMonitor
from ledger.money import decimal_places, quantize
from ledger.reads.queries import find_account
from ledger.webhooks.views import MonitorList, MonitorView


def create_monitor(
    session: Session, *, account_number: str, asset_code: str, below: Decimal, created_by: str
) -> MonitorView:
    account = find_account(session, account_number=account_number)
    asset = session.scalar(select(AssetType).where(AssetType.code == asset_code))
    if asset is None:
        raise AssetNotFound(f"asset {asset_code!r} does not exist")
    if decimal_places(below) > asset.scale:
        raise AmountPrecision(f"{asset_code} amounts have at most {asset.scale} decimal places")
    monitor = BalanceMonitor(
        id=uuid.uuid4(),
        account_id=account.id,
        asset_id=asset.id,
        below=below,
        created_by=created_by,
    )
    session.add(monitor)
    session.flush()
    session.refresh(monitor, ["created_at"])
    return _view(monitor, account.account_number, asset)


def list_monitors(session: Session) -> MonitorList:
    rows = session.execute(
        select(BalanceMonitor, Account.account_number, AssetType)
        .join(Account, Account.id == BalanceMonitor.account_id)
        .join(AssetType, AssetType.id == BalanceMonitor.asset_id)
        .order_by(BalanceMonitor.created_at, BalanceMonitor.id)
    )
    return MonitorList(monitors=[_view(*row) for row in rows])


def delete_monitor(session: Session, *, monitor_id: uuid.UUID) -> None:
    deleted = session.execute(delete(BalanceMonitor).where(BalanceMonitor.id == monitor_id))
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise MonitorNotFound(f"no monitor with id {monitor_id}")


def _view(monitor: BalanceMonitor, account_number: str, asset: AssetType) -> MonitorView:
    return MonitorView(
        monitor_id=monitor.id,
        account_number=account_number,
        asset_code=asset.code,
        below=quantize(monitor.below, asset.scale),
        created_at=monitor.created_at,
    )
