"""What the routes need, built once per app by the factory and found through ``services()``.

Everything with state lives here, on the app (``app.extensions["wallet"]``), never in a module:
the sealer, the memory of known assets and accounts, the key cache, the rate limiter, the
Celery client, the enqueuer, the waiters, the read router (and its replica's engine). Two apps
built with different settings share none of it.
"""

from dataclasses import dataclass

import redis
from celery import Celery
from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from infra.db import make_engine, make_read_engine, make_session_factory
from infra.sealing import Sealer
from infra.settings import Settings
from ledger.inbox.checks import KnownFacts
from producer_api.services.admission import Admission
from producer_api.services.credentials import Authenticator
from producer_api.services.enqueuer import Enqueuer, celery_client, celery_sender
from producer_api.services.rate_limiter import RateLimiter
from producer_api.services.reads import ReadRouter, replica_name
from producer_api.services.submit import SubmitService


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    sealer: Sealer
    authenticator: Authenticator
    celery: Celery
    submitter: SubmitService
    redis: redis.Redis
    limiter: RateLimiter
    admission: Admission
    reads: ReadRouter
    autocommit_engine: Engine | None = None  # the submits', unless a test passed sessions
    read_engine: Engine | None = None  # the replica's (DATABASE_READ_URL), if set

    @classmethod
    def build(
        cls, settings: Settings, engine: Engine, sessions: sessionmaker[Session] | None = None
    ) -> "Services":
        """``sessions``: tests pass their own rolled-back ones, then used for every write."""
        autocommit_engine, autocommit_sessions = None, sessions
        if autocommit_sessions is None:
            autocommit_engine = make_engine(
                engine.url,
                pool_size=settings.db_pool_size,
                autocommit=True,
                dead_peer_seconds=settings.dead_peer_seconds,
            )
            autocommit_sessions = make_session_factory(autocommit_engine)
        sessions = sessions or make_session_factory(engine)
        sealer = Sealer(settings.metadata_encryption_keys)
        read_engine, reads = cls._reads(settings, sessions)
        celery = celery_client(settings)
        limiter = RateLimiter(
            settings.redis_url,
            per_key=settings.rate_limit_per_key,
            per_account=settings.rate_limit_per_account,
            failed_auth_per_address=settings.rate_limit_failed_auth_per_address,
            lease_parts=settings.rate_limit_lease_parts,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            sealer=sealer,
            authenticator=Authenticator(settings, sessions, limiter),
            celery=celery,
            submitter=SubmitService(
                sessions=sessions,
                autocommit_sessions=autocommit_sessions,
                enqueuer=Enqueuer(
                    celery_sender(celery),
                    min_interval=settings.enqueue_min_interval_ms / 1000,
                ),
                sealer=sealer,
                facts=KnownFacts(),
                connect=autocommit_engine.raw_connection if autocommit_engine else None,
            ),
            redis=redis.Redis.from_url(settings.redis_url, socket_timeout=1),
            admission=Admission(
                sessions,
                max_pending=settings.admission_max_pending,
                max_age_seconds=settings.admission_max_age_seconds,
            ),
            limiter=limiter,
            reads=reads,
            autocommit_engine=autocommit_engine,
            read_engine=read_engine,
        )

    @staticmethod
    def _reads(
        settings: Settings, primary: sessionmaker[Session]
    ) -> tuple[Engine | None, ReadRouter]:
        """Balance and history reads: on the replica if DATABASE_READ_URL is set (its engine,
        for ``close``), else on the primary (producer_api.services.reads)."""
        url = settings.database_read_url
        engine = (
            make_read_engine(
                url, pool_size=settings.db_pool_size, dead_peer_seconds=settings.dead_peer_seconds
            )
            if url
            else None
        )
        router = ReadRouter(
            primary,
            make_session_factory(engine) if engine else None,
            replica_name=replica_name(url) if url else "",
            wait_max_seconds=settings.replica_wait_max_seconds,
            retry_after_seconds=settings.replica_retry_after_seconds,
        )
        return engine, router

    def close(self) -> None:
        """Tear the app down: stop its threads (the enqueuer's), close its
        Celery app and Redis clients, dispose of its engines. A server process never needs
        this; a test that builds apps does, so that none outlives it."""
        self.submitter.enqueuer.close()
        self.celery.close()
        self.redis.close()
        self.limiter.close()
        self.engine.dispose()
        for engine in (self.autocommit_engine, self.read_engine):
            if engine is not None:
                engine.dispose()


def services() -> Services:
    found: Services = current_app.extensions["wallet"]
    return found
