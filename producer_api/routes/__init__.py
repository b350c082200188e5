"""One blueprint per resource: the submits (wallet), the request resource (requests),
balances and history (accounts), probes (health), the description and its docs page (docs).
A route parses, calls the submit service or a ledger query, and shapes the answer; it says
what it takes and answers with ``@Operation`` (producer_api.http.openapi)."""
