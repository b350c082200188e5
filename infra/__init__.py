"""Shared infrastructure of every process: the one ``Settings`` object, database engines and
sessions, database administration (create, drop; migrating is the ledger's), logging, the
cipher that seals client metadata at rest, and the address rules for the service's own
outbound calls (egress: webhooks' SSRF protection).

Owns no wallet rule. Imports third-party libraries only, never a package of this project
(ledger, producer_api, worker, ...): everything else may import it (infra/ruff.toml).
"""
