"""The HTTP API: validates, records requests in the inbox, enqueues them, reads the ledger."""

import logging

from flask import Flask

from ledger.db import make_engine
from ledger.settings import Settings, get_settings
from producer_api.limits import init_limits, limiter
from producer_api.problems import register_problem_handlers
from producer_api.routes import accounts, docs, health, wallet
from producer_api.services import Services

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    app.extensions["wallet"] = Services.build(settings, engine)
    register_problem_handlers(app)
    init_limits(app, settings)
    limiter.exempt(health.bp)
    limiter.exempt(docs.bp)
    app.register_blueprint(wallet.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(docs.bp)
    return app
