"""The submit service: record requests durably, then hand them to the process's enqueuer."""

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from infra.db import retrying_disconnect
from infra.sealing import Sealer
from ledger.inbox import Recorded, Submission, record_requests
from ledger.request_views import request_views
from ledger.submission_checks import KnownFacts
from ledger.views import RequestView
from producer_api.enqueuer import Enqueuer
from producer_api.request_ids import current_request_id


@dataclass(frozen=True)
class Submitted:
    views: list[RequestView]
    replayed: list[bool]


@dataclass(frozen=True)
class SubmitService:
    """One submission is one autocommit ``INSERT ... RETURNING`` (one round trip: a single
    statement is atomic on its own); a batch is one transaction, so that a reused key refuses
    the lot. Either is idempotent under its keys, hence retried once on a dead connection.

    The rows are committed before the enqueuer sends them, so a worker always finds them; if
    the send fails or the process dies first, the reaper sends them: the 202 is a promise the
    database keeps.
    """

    sessions: sessionmaker[Session]
    autocommit_sessions: sessionmaker[Session]
    enqueuer: Enqueuer
    sealer: Sealer  # the app's: seals payloads, opens what it reads back
    facts: KnownFacts  # the app's memory of assets and accounts

    def submit(self, submissions: list[Submission]) -> Submitted:
        ids = [uuid.uuid4() for _ in submissions]  # the same on a retry: see record_requests
        recorded, views = retrying_disconnect(lambda: self._record(submissions, ids))
        new = [r.request for r in recorded if r.created]
        if new:
            triples = [[str(r.id), r.idempotency_key, r.type] for r in new]
            self.enqueuer.put(triples, current_request_id())
        return Submitted(views=views, replayed=[not r.created for r in recorded])

    def _record(
        self, submissions: list[Submission], ids: list[uuid.UUID]
    ) -> tuple[list[Recorded], list[RequestView]]:
        sessions = self.autocommit_sessions if len(submissions) == 1 else self.sessions
        with sessions.begin() as session:
            recorded = record_requests(
                session,
                submissions=submissions,
                request_ids=ids,
                sealer=self.sealer,
                facts=self.facts,
            )
            views = request_views(session, [r.request for r in recorded], sealer=self.sealer)
            return recorded, views
