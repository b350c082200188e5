"""Reads of holds: one by id (GET /holds/{id}), or the ones requests created or settled."""

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ledger.errors import HoldNotFound
from ledger.models import Account, AssetType, Hold
from ledger.money import quantize
from ledger.operations import parse_uuid
from ledger.reads.views import HoldView


def get_hold(session: Session, *, hold_id: uuid.UUID | str) -> HoldView:
    parsed = parse_uuid(hold_id)
    found = _holds(session, Hold.id == parsed) if parsed else []
    if not found:
        raise HoldNotFound(f"hold {str(hold_id)!r} does not exist")
    _, view = found[0]
    return view


def get_holds(session: Session, *, hold_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, HoldView]:
    return {view.hold_id: view for _, view in _holds(session, Hold.id.in_(hold_ids))}


def holds_by_request(
    session: Session, *, request_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, HoldView]:
    """The hold each of these (hold) requests placed, by request id."""
    return dict(_holds(session, Hold.request_id.in_(request_ids)))


def _holds(session: Session, where: ColumnElement[bool]) -> list[tuple[uuid.UUID, HoldView]]:
    rows = session.execute(
        select(Hold, Account.account_number, AssetType)
        .join(Account, Account.id == Hold.account_id)
        .join(AssetType, AssetType.id == Hold.asset_id)
        .where(where)
    )
    return [(hold.request_id, _view(hold, number, asset)) for hold, number, asset in rows]


def _view(hold: Hold, account_number: str, asset: Any) -> HoldView:
    return HoldView(
        hold_id=hold.id,
        account_number=account_number,
        asset_code=asset.code,
        amount=quantize(hold.amount, asset.scale),
        status=hold.status,
        expires_at=hold.expires_at,
        captured_amount=quantize(hold.captured_amount, asset.scale),
        description=hold.description,
        created_at=hold.created_at,
    )
