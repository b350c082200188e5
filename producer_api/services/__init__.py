"""The services behind the routes: recording submits and enqueuing them (submit, enqueuer),
who is calling (api_keys, credentials, auth), rate limits and admission control (limits,
rate_limiter, admission), and reads routed to the replica (reads). The app holds one of each
(producer_api.app_services)."""
