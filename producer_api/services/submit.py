"""The submit service: record requests durably, then hand them to the process's enqueuer."""

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from infra.db import retrying_disconnect
from infra.sealing import Sealer
from ledger.inbox.checks import KnownFacts, names_a_record
from ledger.inbox.direct_record import Connect, record_new_request
from ledger.inbox.requests import Recorded, record_requests
from ledger.inbox.submission import Submission
from ledger.reads.requests import queued_view, request_views
from ledger.reads.views import RequestView
from producer_api.http.request_ids import current_request_id
from producer_api.services.enqueuer import Enqueuer


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

    The common case, one new request naming no hold or transaction, goes through a pooled
    DBAPI connection of ``connect`` (the autocommit engine's) with no session: its asset and
    accounts checked from memory or looked up on that connection, then inserted
    (``ledger.inbox.direct_record``). A known key, or any database error there (a dead
    connection among them), takes the general way, which is idempotent under the same
    request id and key.
    """

    sessions: sessionmaker[Session]
    autocommit_sessions: sessionmaker[Session]
    enqueuer: Enqueuer
    sealer: Sealer  # the app's: seals payloads, opens what it reads back
    facts: KnownFacts  # the app's memory of assets and accounts
    connect: Connect | None = None  # None: the general way only

    def submit(self, submissions: list[Submission]) -> Submitted:
        ids = [uuid.uuid4() for _ in submissions]  # the same on a retry: see record_requests
        fast = self._record_new(submissions[0], ids[0]) if len(submissions) == 1 else None
        recorded, views = fast or retrying_disconnect(lambda: self._record(submissions, ids))
        new = [r.request for r in recorded if r.created]
        if new:
            triples = [[str(r.id), r.idempotency_key, r.type] for r in new]
            self.enqueuer.put(triples, current_request_id())
        return Submitted(views=views, replayed=[not r.created for r in recorded])

    def _record_new(
        self, submission: Submission, request_id: uuid.UUID
    ) -> tuple[list[Recorded], list[RequestView]] | None:
        if self.connect is None or names_a_record(submission):
            return None
        recorded = record_new_request(
            self.connect,
            submission=submission,
            request_id=request_id,
            sealer=self.sealer,
            facts=self.facts,
        )
        if recorded is None:
            return None
        return [recorded], [queued_view(recorded.request, sealer=self.sealer)]

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
