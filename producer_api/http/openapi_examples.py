"""What the OpenAPI description tells a person: what the API is, when each problem answer
applies, and the seed README's calls as the bodies' examples."""

from typing import Any

from pydantic import BaseModel

INFO = {
    "title": "Wallet service",
    "version": "1.0.0",
    "description": "Asynchronous double-entry wallet for virtual currencies. A submit "
    "records the request under its idempotency key and answers 202 with the request to "
    "poll (or 200 with its outcome after `Prefer: wait=N`); reads come from the ledger. "
    "Send `Authorization: Bearer <API key>`; errors are `application/problem+json`.",
}

# When each problem answer applies; submits (with a body) and reads list theirs.
PROBLEMS = {
    "400": "Not JSON, a malformed parameter, or the idempotency key missing or given twice",
    "401": "No API key, or an unknown or revoked one",
    "403": "The API key lacks this operation's scope, or (NOT_OWNER) a capture, void or "
    "reversal names another client's hold or transaction without the admin scope",
    "404": "No such request, account, hold (HOLD_NOT_FOUND), transaction (TRANSACTION_NOT_FOUND), "
    "webhook or monitor",
    "409": "The account number or asset code is taken (ACCOUNT_EXISTS, ASSET_EXISTS); the "
    "request named by a read's after is not finished yet (REQUEST_NOT_FINISHED)",
    "413": "The body is over the limit (64 KiB; a batch 1 MiB)",
    "415": "The body is not sent as application/json",
    "422": "A field is invalid, the account or asset is unknown, or the idempotency key was "
    "used for another payload (IDEMPOTENCY_KEY_REUSED); a hold's expiry (INVALID_EXPIRY) or an "
    "asset's scale (INVALID_SCALE) out of range",
    "429": "Over a rate limit: retry after Retry-After seconds",
    "503": "A backing service is down or the backlog is full: nothing was recorded; retry with "
    "the same idempotency key after Retry-After seconds",
}
SUBMIT_PROBLEMS = ("400", "401", "403", "404", "409", "413", "415", "422", "429", "503")
READ_PROBLEMS = ("400", "401", "403", "404", "429", "503")
AFTER_READ_PROBLEMS = ("400", "401", "403", "404", "409", "429", "503")  # reads taking after
# The README's calls: "Try it out" at /docs replays its flow. A capture's and a void's hold,
# and a reversal's transaction, are ids the server made: the examples show their shape.
SUBMIT_BODIES: dict[str, dict[str, Any]] = {
    "topup": {
        "accountNumber": "USR-001",
        "assetCode": "GOLD_COINS",
        "amount": 100,
        "description": "Card purchase",
        "idempotencyKey": "topup-1",
    },
    "bonus": {
        "accountNumber": "USR-001",
        "assetCode": "LOYALTY_POINTS",
        "amount": 50,
        "reason": "Daily login bonus",
        "idempotencyKey": "bonus-1",
    },
    "spend": {
        "accountNumber": "USR-001",
        "assetCode": "GOLD_COINS",
        "amount": 30,
        "description": "Purchased sword",
        "idempotencyKey": "spend-1",
    },
    "transfer": {
        "fromAccount": "USR-001",
        "toAccount": "USR-002",
        "assetCode": "GOLD_COINS",
        "amount": 10,
        "description": "Gift",
        "idempotencyKey": "transfer-1",
    },
    "hold": {
        "accountNumber": "USR-001",
        "assetCode": "GOLD_COINS",
        "amount": 30,
        "description": "Tournament entry",
        "expiresInSeconds": 3600,
        "idempotencyKey": "hold-1",
    },
    "capture": {"amount": 20, "description": "Tournament fee", "idempotencyKey": "capture-1"},
    "void": {"idempotencyKey": "void-1"},
    "reversal": {
        "transactionId": "0b6f1c52-8f0e-4c4b-9d0a-3f1e2d4c5b6a",
        "amount": 10,
        "reason": "Refund",
        "idempotencyKey": "reversal-1",
    },
}


def batch_example(first: type[BaseModel]) -> dict[str, Any]:
    """A batch of one operation, its body made of each field's first example: a call that
    can succeed on seeded data."""
    fields = first.model_fields.items()
    body = {field.alias or name: field.examples[0] for name, field in fields if field.examples}
    return {"operations": [{"type": "topup", **body, "idempotencyKey": "example-batch"}]}
