"""The enqueuer coalesces: everything handed over during a send goes out as the next message."""

import threading

import pytest

from harness.processes import wait_until
from producer_api.services import enqueuer as enqueuer_module
from producer_api.services.enqueuer import Enqueuer, Triple


class SlowBroker:
    """Records each message; the first send blocks until released."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[Triple], list[str]]] = []
        self.first_send_started = threading.Event()
        self.release = threading.Event()

    def send(self, triples: list[Triple], trace_ids: list[str]) -> None:
        if not self.messages:
            self.first_send_started.set()
            self.release.wait(10)
        self.messages.append((triples, trace_ids))


def triple(n: int) -> Triple:
    return [f"id-{n}", f"key-{n}", "topup"]


def test_requests_handed_over_during_a_send_go_out_as_one_message() -> None:
    broker = SlowBroker()
    enqueuer = Enqueuer(broker.send)
    enqueuer.put([triple(0)], "call-0")
    assert broker.first_send_started.wait(10)
    for n in range(1, 6):
        enqueuer.put([triple(n)], f"call-{n}")
    broker.release.set()
    wait_until(lambda: len(broker.messages) == 2, timeout=10, what="the second message")
    assert broker.messages == [
        ([triple(0)], ["call-0"]),
        ([triple(n) for n in range(1, 6)], [f"call-{n}" for n in range(1, 6)]),
    ]


def test_a_failed_send_is_logged_and_the_next_burst_still_goes_out() -> None:
    sent: list[list[Triple]] = []

    def flaky(triples: list[Triple], _: list[str]) -> None:
        if not sent and triples == [triple(0)]:
            sent.append([])
            raise ConnectionError("broker down")
        sent.append(triples)

    enqueuer = Enqueuer(flaky)
    enqueuer.put([triple(0)])
    wait_until(lambda: len(sent) == 1, timeout=10, what="the failed send")
    enqueuer.put([triple(1)])
    wait_until(lambda: len(sent) == 2, timeout=10, what="the next send")
    assert sent[1] == [triple(1)]


def test_a_hanging_broker_leaves_requests_past_the_bound_to_the_reaper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(enqueuer_module, "MAX_PENDING", 3)
    broker = SlowBroker()
    enqueuer = Enqueuer(broker.send)
    enqueuer.put([triple(0)])
    assert broker.first_send_started.wait(10)
    for n in range(1, 6):
        enqueuer.put([triple(n)])
    broker.release.set()
    wait_until(lambda: len(broker.messages) == 2, timeout=10, what="the second message")
    assert broker.messages[1][0] == [triple(n) for n in range(1, 4)]


def test_paced_sends_coalesce_what_arrives_within_the_interval() -> None:
    broker = SlowBroker()
    broker.release.set()  # a fast broker: only the pacing can coalesce
    enqueuer = Enqueuer(broker.send, min_interval=60.0)
    enqueuer.put([triple(0)], "call-0")  # idle: sent at once
    wait_until(lambda: len(broker.messages) == 1, timeout=10, what="the first message")
    for n in range(1, 4):
        enqueuer.put([triple(n)], f"call-{n}")
    enqueuer.close()  # a closing enqueuer sends what it holds without waiting out the pace
    assert broker.messages == [
        ([triple(0)], ["call-0"]),
        ([triple(n) for n in range(1, 4)], [f"call-{n}" for n in range(1, 4)]),
    ]


def test_flower_sees_the_first_triples_and_the_count() -> None:
    triples = [triple(n) for n in range(25)]
    shown = enqueuer_module.args_repr(triples)
    assert shown.startswith("([['id-0', 'key-0', 'topup'], ")
    assert "'key-9'" in shown and "'key-10'" not in shown
    assert shown.endswith(", ... 15 more],)")
    assert enqueuer_module.args_repr([triple(1)]) == "([['id-1', 'key-1', 'topup']],)"
