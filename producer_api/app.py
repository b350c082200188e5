"""The app factory: the Flask app and everything its routes use, built from the settings given.

``create_app`` changes nothing outside the app it returns, so a test process may build
several. ``server_front`` is what the HTTP server (api_server.py) builds in each of its
processes: the app from the environment's settings behind its ASGI front
(producer_api.front), the process's logging set up first.
"""

from functools import partial

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from infra.db import make_engine
from infra.logs import configure_logging
from infra.memory import freeze_startup_heap
from infra.settings import Settings, get_settings
from producer_api.app_services import Services
from producer_api.front import Front
from producer_api.http import metrics
from producer_api.http.metrics import init_metrics
from producer_api.http.openapi import init_openapi
from producer_api.http.problems import register_problem_handlers
from producer_api.http.request_ids import init_request_ids
from producer_api.routes import (
    accounts,
    assets,
    balances,
    docs,
    health,
    holds,
    monitors,
    requests,
    wallet,
    webhooks,
)

MAX_BODY_BYTES = 64 * 1024


def create_app(
    settings: Settings | None = None, *, sessions: sessionmaker[Session] | None = None
) -> Flask:
    """The API. Tests may pass ``sessions`` bound to their own rolled-back connection."""
    settings = settings or get_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        dead_peer_seconds=settings.dead_peer_seconds,
    )
    app.extensions["wallet"] = built = Services.build(settings, engine, sessions)
    if built.reads.has_replica:
        app.extensions[metrics.BEFORE_SCRAPE] = [built.reads.sample_lag]
    init_request_ids(app)
    init_metrics(app)
    register_problem_handlers(app)
    app.register_blueprint(wallet.bp)
    app.register_blueprint(requests.bp)
    app.register_blueprint(balances.bp)
    app.register_blueprint(holds.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(monitors.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(docs.bp)
    init_openapi(app)  # after the routes: one that cannot be described stops the start
    return app


def server_front() -> Front:
    """What api_server.py serves in each process: the app behind its ASGI front."""
    settings = get_settings()
    configure_logging(settings)
    app = create_app(settings)
    front = Front(
        app.wsgi_app,
        settings,
        max_body=MAX_BODY_BYTES,
        large_bodies={"/api/wallet/batch": wallet.BATCH_MAX_BYTES},
        finished=partial(requests.finished_requests, app),
        read=partial(requests.read_requests, app),
    )
    freeze_startup_heap()  # infra.memory: full collections stalled every call of a process
    return front
