"""One blueprint per resource, each module named after it: the submits (wallet), the request
resource (requests), balances and history (balances), holds, accounts, assets (the catalog's
two, calling the ledger through catalog), webhooks, balance monitors (monitors), probes
(health), the description and its docs page (docs).
A route parses, calls the submit service or a ledger query, and shapes the answer; it says
what it takes and answers with ``@Operation`` (producer_api.http.openapi)."""
