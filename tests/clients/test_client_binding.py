"""Both clients get each method from one definition (``_operations``): same names,
parameters and docstrings; the blocking ones return, the async ones are coroutines."""

from __future__ import annotations

import inspect

from wallet_client import AsyncWalletClient, WalletClient, _operations

METHODS = [
    "topup",
    "bonus",
    "spend",
    "transfer",
    "hold",
    "capture",
    "void",
    "get_hold",
    "reverse",
    "batch",
    "request",
    "balance",
    "history",
]


def test_the_clients_have_the_same_methods_with_the_same_parameters() -> None:
    for name in METHODS:
        blocking, awaitable = getattr(WalletClient, name), getattr(AsyncWalletClient, name)
        operation = inspect.signature(getattr(_operations, name))
        for method in (blocking, awaitable):
            signature = inspect.signature(method)
            assert next(iter(signature.parameters)) == "self"
            assert list(signature.parameters.values())[1:] == list(operation.parameters.values())
            assert method.__name__ == name
            assert method.__doc__ and method.__doc__ == getattr(_operations, name).__doc__
        assert inspect.iscoroutinefunction(awaitable) == (name != "history")
        assert not inspect.iscoroutinefunction(blocking)


def test_the_return_annotations_are_what_the_methods_give() -> None:
    topup = inspect.signature(WalletClient.topup).return_annotation
    assert topup == inspect.signature(AsyncWalletClient.topup).return_annotation
    assert topup == "RequestResult"
    assert inspect.signature(WalletClient.balance).return_annotation == "Balances"
    assert inspect.signature(WalletClient.history).return_annotation == "Iterator[HistoryItem]"
    history = inspect.signature(AsyncWalletClient.history).return_annotation
    assert history == "AsyncIterator[HistoryItem]"


def test_a_bound_method_keeps_its_first_parameter() -> None:
    client = WalletClient("http://127.0.0.1:1")
    try:
        assert next(iter(inspect.signature(client.topup).parameters)) == "account"
    finally:
        client.close()
