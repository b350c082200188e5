"""What the inbox records: a movement under a client's idempotency key."""

from dataclasses import dataclass

from ledger.operations import Movement


@dataclass(frozen=True, kw_only=True)
class Submission(Movement):
    """A validated movement under a client's idempotency key, as the API (or the seeder)
    hands it over. ``any_owner``: the caller (an ``admin`` key) may capture, void or reverse
    another client's hold or transaction; otherwise only its own client's (NOT_OWNER)."""

    client_id: str
    idempotency_key: str
    any_owner: bool = False
