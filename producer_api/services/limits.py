"""Rate limits: one budget per API key across the whole API, one per client and account across
the routes that name an account (producer_api/services/rate_limiter.py keeps them in Redis). Over a
limit: 429 + Retry-After (sent on that answer only), and nothing is charged.

An account's budget is each client's own: one client's traffic to an account (a read key
polling a balance) spends only that client's budget of it, never another client's, so it
cannot lock the account's owner out. The keys of one client share it.

Budgets are charged once the caller is authenticated (``producer_api.services.auth.requires``), the
account's taken from the path (balance, history); the submit routes name it in the body,
which their view parses once and then charges both budgets (``account_in_body``): a body
that fails validation is refused before it costs Redis anything. Health, docs and metrics
need no key and are not limited.

A failed authentication (a 401) charges the caller's address instead
(``RATE_LIMIT_FAILED_AUTH_PER_ADDRESS``, producer_api.services.credentials): past it, 429.

If Redis is unreachable the limits fail open for a second at a time: accepting a request is
worth more than limiting it, and the inbox in Postgres does not need Redis.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from producer_api.http.problems import Problem
from producer_api.services.api_keys import Principal
from producer_api.services.rate_limiter import RateLimiter

View = TypeVar("View", bound=Callable[..., Any])
_IN_VIEW_ATTRIBUTE = "_charges_rate_limits_itself"


def charge_for_view(limiter: RateLimiter) -> None:
    """Called once the caller is authenticated (an unauthenticated call charges nobody's
    budget): the key's budget and the path's account's, unless the view charges itself."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, _IN_VIEW_ATTRIBUTE, False):
        charge(limiter, (request.view_args or {}).get("account_number"))


def account_in_body(view: View) -> View:
    """Mark a view that names its account in the body: it calls ``charge`` once parsed."""
    setattr(view, _IN_VIEW_ATTRIBUTE, True)
    return view


def charge(limiter: RateLimiter, account: str | None) -> None:
    """Charge the caller's key budget and, if named, the account's; 429 if one is spent."""
    identities = {"key": _key_identity()}
    if account is not None:
        identities["account"] = f"{_digest(_client())}:{account}"
    wait = limiter.retry_after(**identities)
    if wait is not None:
        raise too_many_requests(wait)


def too_many_requests(wait: int) -> Problem:
    return Problem(
        429, "TOO_MANY_REQUESTS", "Rate limit exceeded.", headers={"Retry-After": str(wait)}
    )


def _client() -> str:
    principal: Principal = g.principal
    return principal.client_id


def _key_identity() -> str:
    return _digest(g.get("credential") or request.remote_addr or "anonymous")


def _digest(identity: str) -> str:
    """A fixed-length name for an identity: a client id of any spelling cannot run into the
    account number after it."""
    return hashlib.sha256(identity.encode()).hexdigest()[:24]
