"""The path, query and header parameters the OpenAPI description documents."""

KEY_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": "^[ -~]+$",
    "not": {"enum": [".", ".."]},
}
KEY = {"name": "key", "in": "path", "required": True, "schema": KEY_SCHEMA, "example": "spend-1"}
KEY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": KEY_SCHEMA,
    "description": "the idempotency key, if the body has no idempotencyKey (same if both)",
}
ACCOUNT = {
    "name": "accountNumber",
    "in": "path",
    "required": True,
    "example": "USR-001",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 64},
}
PREFER = {
    "name": "Prefer",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^wait=([0-9]|[12][0-9]|30)$"},
    "description": "wait=N: hold the call up to N seconds (at most 30) for the outcome",
}
WAIT = {
    "name": "wait",
    "in": "query",
    "required": False,
    "schema": {"type": "number", "minimum": 0, "maximum": 30},
}
HISTORY = [
    ACCOUNT,
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 64},
    },
]
