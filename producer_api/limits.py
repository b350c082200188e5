"""Rate limits (flask-limiter, Redis storage): one budget per API key across the whole API,
one per account across the routes that name an account. Over the limit: 429 + Retry-After.

If Redis is unreachable the limits fail open: accepting a request is worth more than
limiting it, and the inbox in Postgres does not need Redis.
"""

import hashlib

from flask import Flask, request
from flask_limiter import Limiter

from ledger.settings import Settings
from producer_api.auth import bearer_token
from producer_api.services import services

limiter = Limiter(
    key_func=lambda: api_key_identity(),
    headers_enabled=True,
    swallow_errors=True,
    strategy="moving-window",
)


def api_key_identity() -> str:
    token = bearer_token() or request.remote_addr or "anonymous"
    return "key:" + hashlib.sha256(token.encode()).hexdigest()[:24]


def account_identity() -> str:
    account = (request.view_args or {}).get("account_number")
    if account is None and request.is_json:
        body = request.get_json(silent=True, cache=True)
        account = body.get("accountNumber") if isinstance(body, dict) else None
    return f"account:{account}"


per_account = limiter.shared_limit(
    lambda: services().settings.rate_limit_per_account,
    scope="account",
    key_func=account_identity,
)


def init_limits(app: Flask, settings: Settings) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    app.config["RATELIMIT_APPLICATION"] = settings.rate_limit_per_key
    limiter.init_app(app)
