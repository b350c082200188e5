"""Bearer API keys with scopes, on the routes: ``requires(scope)`` resolves the caller
through the app's ``Authenticator`` (producer_api.services.credentials) and charges its rate
limits."""

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from producer_api.app_services import services
from producer_api.http.problems import Problem
from producer_api.services.api_keys import Principal
from producer_api.services.limits import charge_for_view

# RFC 6750 token68 characters only: a token with a control character never reaches a query.
_BEARER = re.compile(r"^Bearer +([A-Za-z0-9._~+/-]+=*) *$", re.IGNORECASE)
View = TypeVar("View", bound=Callable[..., Any])


def requires(scope: str) -> Callable[[View], View]:
    """Decorate a view: 401 without a valid key, 403 without ``scope`` (or ``admin``)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = services().authenticator.principal(
                bearer_token(),
                sent_credentials="Authorization" in request.headers,
                address=request.remote_addr,
            )
            if scope not in principal.scopes and "admin" not in principal.scopes:
                raise Problem(403, "FORBIDDEN", f"This API key lacks the {scope} scope.")
            g.principal = principal
            g.credential = bearer_token()  # normalized: one budget per key, however it is sent
            charge_for_view(services().limiter)
            return view(*args, **kwargs)

        guarded.required_scope = scope  # type: ignore[attr-defined]  # the OpenAPI document's
        return guarded  # type: ignore[return-value]

    return decorate


def ops_endpoint(view: View) -> View:
    """Decorate /metrics or /readyz: open to OPS_OPEN_NETWORKS, else a valid key of any
    scope (not charged to a rate limit: a scraper's calls are few)."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        services().authenticator.admit_to_ops(
            bearer_token(),
            sent_credentials="Authorization" in request.headers,
            address=request.remote_addr,
        )
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def current_client() -> str:
    principal: Principal = g.principal
    return principal.client_id


def is_admin() -> bool:
    """Whether the caller may act on, and see the metadata of, every client's records."""
    principal: Principal = g.principal
    return "admin" in principal.scopes


def bearer_token() -> str | None:
    match = _BEARER.match(request.headers.get("Authorization", ""))
    return match.group(1) if match else None
