"""Client metadata sealed at rest on real Postgres, each test rolled back: with a worker's
and an API's ``Sealer(key)``, the inbox's payloads and the transactions' metadata are sealed
in the database, and every view opens them (infra.sealing, ledger)."""

import uuid
from decimal import Decimal

from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.orm import Session

from infra.sealing import SEALED, Sealer
from ledger.inbox.requests import record_request
from ledger.inbox.submission import Submission
from ledger.operations import OperationType
from ledger.posting.lifecycle import process_requests
from ledger.reads.queries import get_history
from ledger.reads.requests import get_requests_by_id
from tests.integration.helpers import new_user

METADATA = {"ip": "10.0.0.1", "order": [1, 2]}


def test_a_posted_request_is_sealed_in_the_database_and_plain_in_its_views(
    session: Session,
) -> None:
    sealer, user = Sealer(Fernet.generate_key().decode()), new_user(session)
    request_id = _submit(session, user, sealer)
    posted = process_requests(session, request_ids=[request_id], max_attempts=3, sealer=sealer)
    (outcome,) = posted.outcomes
    assert outcome.status == "completed"
    payload, metadata = session.execute(
        text(
            "SELECT r.payload, t.metadata FROM requests r JOIN transactions t"
            " ON t.request_id = r.id WHERE r.id = :id"
        ),
        {"id": request_id},
    ).one()
    assert set(payload) == {SEALED} and set(metadata) == {SEALED}
    assert "10.0.0.1" not in str(payload) + str(metadata)
    (view,) = get_requests_by_id(session, request_ids=[request_id], sealer=sealer)
    assert view.transaction is not None and view.transaction.metadata == METADATA
    history = get_history(session, account_number=user, limit=10, sealer=sealer, viewer=None)
    assert [item.metadata for item in history.transactions] == [METADATA]


def _submit(session: Session, account: str, sealer: Sealer) -> uuid.UUID:
    submission = Submission(
        client_id="test",
        idempotency_key=str(uuid.uuid4()),
        type=OperationType.TOPUP,
        account_number=account,
        asset_code="GOLD_COINS",
        amount=Decimal("5"),
        metadata=METADATA,
    )
    return record_request(session, submission=submission, sealer=sealer).request.id
