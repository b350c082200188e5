"""The submit service: record the request durably, then hand it to the workers."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from ledger.inbox import Submission, record_request
from ledger.queries import request_view
from ledger.views import RequestView

log = logging.getLogger(__name__)
Enqueue = Callable[[RequestView], None]


@dataclass(frozen=True)
class Submitted:
    view: RequestView
    replayed: bool


@dataclass(frozen=True)
class SubmitService:
    sessions: sessionmaker[Session]
    enqueue: Enqueue

    def submit(self, submission: Submission) -> Submitted:
        """The inbox row is committed before the task is sent, so a worker always finds it.

        If the broker is unreachable the request stays recorded as ``queued`` and the
        reaper sends it later: the caller's 202 is a promise the database keeps.
        """
        with self.sessions.begin() as session:
            recorded = record_request(session, submission=submission)
            view = request_view(session, recorded.request)
        if recorded.created:
            self._enqueue_or_leave_to_reaper(view)
        return Submitted(view=view, replayed=not recorded.created)

    def _enqueue_or_leave_to_reaper(self, view: RequestView) -> None:
        try:
            self.enqueue(view)
        except Exception:  # any broker failure: the reaper re-sends from the inbox
            log.warning("could not enqueue %s; the reaper will send it", view.request_id)
