"""How ``WalletClient`` and ``AsyncWalletClient`` get their methods from ``_operations``:
one definition of each (parameters, docstring, plan) becomes a blocking method that runs
the plan and an ``async`` one that awaits it, typed alike (``ParamSpec``)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from wallet_client._engine import Engine, HistoryWalk, Plan, http_headers
from wallet_client.models import HistoryItem
from wallet_client.retry import RetryEvent, RetryPolicy

P = ParamSpec("P")
T = TypeVar("T")
Method = Callable[Concatenate[Any, P], T]


def method_like(function: Callable[..., Any], operation: Callable[..., Any], returns: str) -> None:
    """Give ``function`` the name, docstring and signature (``self`` first) of ``operation``,
    returning ``returns`` (by default what its plan returns)."""
    signature = inspect.signature(operation)
    planned = str(signature.return_annotation)
    returns = returns or planned.removeprefix("Plan[").removesuffix("]")
    this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    parameters = [this, *signature.parameters.values()]
    function.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=returns
    )
    function.__name__ = function.__qualname__ = operation.__name__
    function.__doc__ = operation.__doc__


def blocking(operation: Callable[P, Plan[T]]) -> Method[P, T]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._engine.run(operation(*args, **kwargs))  # type: ignore[no-any-return]

    method_like(method, operation, "")
    return method


def awaitable(operation: Callable[P, Plan[T]]) -> Method[P, Coroutine[Any, Any, T]]:
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._engine.run(operation(*args, **kwargs))  # type: ignore[no-any-return]

    method_like(method, operation, "")
    return method


def pages(operation: Callable[P, HistoryWalk]) -> Method[P, Iterator[HistoryItem]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[HistoryItem]:
        return self._engine.walk(operation(*args, **kwargs))  # type: ignore[no-any-return]

    method_like(method, operation, "Iterator[HistoryItem]")
    return method


def async_pages(operation: Callable[P, HistoryWalk]) -> Method[P, AsyncIterator[HistoryItem]]:
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[HistoryItem]:
        return self._engine.walk(operation(*args, **kwargs))  # type: ignore[no-any-return]

    method_like(method, operation, "AsyncIterator[HistoryItem]")
    return method


TransportT = TypeVar("TransportT")
EngineT = TypeVar("EngineT", bound=Engine)


class ClientBase(Generic[TransportT, EngineT]):
    """The settings both clients take (see ``WalletClient``), and their engine."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 10.0,
        *,
        max_attempts: int = 8,
        max_retry_time: float = 30.0,
        backoff_base: float = 0.25,
        backoff_max: float = 8.0,
        raise_on_failure: bool = False,
        on_retry: Callable[[RetryEvent], None] | None = None,
        headers: dict[str, str] | None = None,
        transport: TransportT | None = None,
    ) -> None:
        policy = RetryPolicy(max_attempts, max_retry_time, backoff_base, backoff_max)
        self._engine = self._connect(
            {"base_url": base_url, "headers": http_headers(api_key, headers)},
            transport,
            timeout=timeout,
            policy=policy,
            raise_on_failure=raise_on_failure,
            on_retry=on_retry,
        )

    def _connect(
        self, http: dict[str, Any], transport: TransportT | None, **settings: Any
    ) -> EngineT:
        """The engine over a new HTTP client made with ``http`` and ``transport``."""
        raise NotImplementedError
