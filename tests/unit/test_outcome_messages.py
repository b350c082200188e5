"""The outcome listener survives whatever else is published on its channel."""

import pytest

from producer_api.waiting import announced_ids


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]", b'"text"', b'{"requestIds": 5}', b"\xff"])
def test_a_malformed_outcome_message_wakes_nobody_and_raises_nothing(data: bytes) -> None:
    assert announced_ids(data) == []


def test_a_worker_announcement_names_its_requests() -> None:
    assert announced_ids(b'{"requestIds": ["a", "b"]}') == ["a", "b"]
