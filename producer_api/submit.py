"""The submit service: record requests durably, then hand them to the workers."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from ledger.inbox import Submission, record_requests
from ledger.request_views import request_views
from ledger.views import RequestView

log = logging.getLogger(__name__)
Enqueue = Callable[[list[RequestView]], None]


@dataclass(frozen=True)
class Submitted:
    views: list[RequestView]
    replayed: list[bool]


@dataclass(frozen=True)
class SubmitService:
    sessions: sessionmaker[Session]
    enqueue: Enqueue

    def submit(self, submissions: list[Submission]) -> Submitted:
        """The inbox rows are committed before the task is sent, so a worker always finds them.

        If the broker is unreachable the requests stay recorded as ``queued`` and the
        reaper sends them later: the caller's 202 is a promise the database keeps.
        """
        with self.sessions.begin() as session:
            recorded = record_requests(session, submissions=submissions)
            views = request_views(session, [r.request for r in recorded])
        new = {r.request.id for r in recorded if r.created}
        if new:
            self._enqueue_or_leave_to_reaper([v for v in views if v.request_id in new])
        return Submitted(views=views, replayed=[not r.created for r in recorded])

    def _enqueue_or_leave_to_reaper(self, views: list[RequestView]) -> None:
        try:
            self.enqueue(views)
        except Exception:  # any broker failure: the reaper re-sends from the inbox
            log.warning("could not enqueue %d requests; the reaper will send them", len(views))
