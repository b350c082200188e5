"""The one settings object, read from the environment (and .env) by every process: the API,
the worker and beat, Alembic, make run. Its fields are grouped by who reads them."""

from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "development-only-secret"  # noqa: S105 - refused in production
DEFAULT_DEV_API_KEY = "dev-wallet-key"
DEV_FLOWER_LOGIN = "admin:wallet-dev"
LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"
EVERY_NETWORK = "0.0.0.0/0,::/0"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # --- Every process ---------------------------------------------------------------
    # development accepts WALLET_DEV_API_KEY with every scope; production refuses to start
    # with it, and without a WALLET_SECRET_KEY (the HMAC key under which API keys are hashed).
    wallet_env: Literal["development", "production"] = "development"
    database_url: str = "postgresql+psycopg2://postgres@127.0.0.1:5432/wallet"
    # A streaming replica (hot standby) of DATABASE_URL for balance and history reads; unset,
    # every read goes to the primary (docs/scaling.md, Read replicas). Request statuses,
    # holds, accounts and every write always go to the primary.
    database_read_url: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    # The Celery broker: unset, the Redis at REDIS_URL; amqp://user:password@host:5672/vhost
    # runs the task queue on RabbitMQ (docs/operations.md, Choosing a broker). Redis stays
    # for rate limits and outcome notifications either way.
    celery_broker_url: str | None = None
    # Comma-separated Fernet keys, newest first; client metadata is sealed at rest with them.
    metadata_encryption_keys: str | None = None
    # The Celery queue the API sends to and the workers consume (one per deployment or test run).
    celery_queue: str = "wallet"
    # An unacknowledged task message returns to the queue after this long (Redis transport).
    broker_visibility_timeout_seconds: int = 300
    # A connection whose peer stops answering (a partition, a host lost with its connections
    # open: packets dropped, no reset) is given up within about this long, to the database by
    # both ends (infra.db), to the broker by workers and beat (celeryconfig). Else the
    # kernel's defaults hold: 2 h before a keepalive probe, ~15 min of retransmissions, ~2 min
    # for a connect; a worker cut off from the database mid-transaction kept its row locks,
    # and all posting waited, that long (tests/cluster/).
    dead_peer_seconds: float = 15.0
    # Alembic: how long a migration's statement waits for a lock before it fails (and the
    # operator re-runs it). A DDL waiting for a table queues every later posting behind it,
    # so a long transaction holding the table would otherwise stop postings while it runs.
    migration_lock_timeout_seconds: float = Field(default=5.0, gt=0)
    # Redis pub/sub channel on which workers announce finished requests to waiting API calls.
    outcome_channel: str = "wallet:outcomes"
    # console (readable lines) or json (one object per line); by default console in
    # development and json in production.
    log_format: Literal["console", "json"] | None = None

    # --- The API ------------------------------------------------------------------------
    wallet_dev_api_key: str | None = None
    wallet_secret_key: str | None = None
    # Development serves calls without credentials from these networks as the development
    # client (loopback; the compose file adds its network's gateway, the host's calls), and
    # accepts the development key from these and loopback only.
    wallet_dev_trusted_networks: str = LOOPBACK_NETWORKS
    rate_limit_per_key: str = "2000/second"
    rate_limit_per_account: str = "200/second"
    # Failed authentications (401s) an address may cause; past it, 429 and no key lookup.
    rate_limit_failed_auth_per_address: str = "60/minute"
    # Each API process takes each budget from Redis in leases of 1/N of its amount (at least
    # one call) and spends them locally: a round trip per lease, not per call. A lease unspent
    # at its window's end is lost, so a larger N wastes less and costs more round trips.
    rate_limit_lease_parts: int = Field(default=50, ge=1)
    max_wait_seconds: int = 30
    # Calls waiting for their outcome at once per API process (Prefer: wait, ?wait): each is
    # a coroutine of the front (producer_api.front), a few KiB; more are answered at once.
    max_waiters_per_process: int = Field(default=5000, ge=0)
    # A waiting call is woken by the workers' announcement; all the calls of a process are
    # also checked against Postgres this often, so a lost announcement only delays them.
    wait_recheck_seconds: float = Field(default=1.0, gt=0)
    # A request body must arrive whole within this long (the front reads it, not a thread).
    body_read_seconds: float = Field(default=10.0, gt=0)
    db_pool_size: int = 10
    # The enqueuer sends at most one message per this many milliseconds per process
    # (producer_api.services.enqueuer): 0 sends each burst as soon as the previous send returns.
    enqueue_min_interval_ms: float = 60.0
    # A read with ?after=<key> waits up to this long for the replica to replay that request's
    # commit, then reads from the primary instead.
    replica_wait_max_seconds: float = 1.0
    # After the replica failed to answer (down, refusing connections), reads go to the primary
    # for this long before the replica is tried again.
    replica_retry_after_seconds: float = 5.0
    # Admission control: submits are refused (503) while the line of requests not yet picked
    # up by a worker is this long, or its head has waited this many seconds. Sized from the
    # measured posting rate (docs/performance.md): 5,000 is 3-4 s at ~1,500 postings/s. The
    # age bound stays above the reaper's worst case, so a lost message alone never sheds.
    admission_max_pending: int = 5000
    admission_max_age_seconds: float = 30.0
    # /metrics and /readyz answer without an API key to callers on these networks and want a
    # valid key (any scope) from every other. Unset: every address in development, loopback
    # only in production (the container's healthcheck, make run). 0.0.0.0/0,::/0 opens them
    # to all (the API's port is private); empty wants a key from every caller.
    ops_open_networks: str | None = None

    # --- The worker and beat --------------------------------------------------------------
    # A request left queued/processing longer than this is re-enqueued by the reaper.
    reaper_interval_seconds: float = 10.0
    reaper_stale_after_seconds: float = 15.0
    # The beat releases holds past their expiry this often (a capture or void of one fails
    # HOLD_NOT_ACTIVE at once, swept or not: the sweep only returns the funds sooner).
    hold_expiry_interval_seconds: float = 5.0
    # Deliveries of one request before it is failed as POSTING_ABANDONED (poison request).
    max_attempts: int = 5
    # Micro-batching: a worker posts up to this many queued requests in one transaction. A
    # batch endpoint call (1,000 operations) is then one transaction: 3,200 postings/s against
    # 2,470 with 200 per transaction (worker alone, docs/performance.md).
    batch_size: int = 1000
    # The worker serves its Prometheus metrics here (0: not at all).
    worker_metrics_port: int = 9808
    # Webhooks (ledger.webhooks.outbox, worker.webhooks). A failed delivery is retried after
    # min(MAX, BASE * 2^(attempt-1)) seconds, less up to half of it at random (jitter), until
    # it is WEBHOOK_GIVE_UP_AFTER_SECONDS old; an attempt not answered 2xx within
    # WEBHOOK_TIMEOUT_SECONDS failed. The beat sweeps for due deliveries every
    # WEBHOOK_SWEEP_INTERVAL_SECONDS (a lost message, a long backoff). A new webhook hears
    # of every posting committed after its registration answered (ledger.webhooks.outbox).
    # Deliveries have a queue of their own (``webhook_queue``) and workers of their own: a
    # pool of WEBHOOK_CONCURRENCY threads (make run, docker-compose), so that slow receivers
    # hold delivery threads only, never a posting.
    webhook_concurrency: int = 8
    webhook_timeout_seconds: float = 10.0
    webhook_backoff_base_seconds: float = 5.0
    webhook_backoff_max_seconds: float = 3600.0
    webhook_give_up_after_seconds: float = 86400.0
    webhook_sweep_interval_seconds: float = 10.0
    # Webhook URLs resolving to private, link-local or other non-global addresses are
    # refused (at registration and at each delivery) unless this is true; development
    # allows loopback besides.
    webhook_allow_private: bool = False

    # --- The servers: api_server.py, Flower, make run -------------------------------------
    port: int = 3000
    # Where the API and Flower listen: 127.0.0.1 in development, every interface in
    # production, unless set (the image sets 0.0.0.0: inside a container, publishing decides).
    listen_address: str | None = None
    web_concurrency: int = 2
    # Threads per API process that run the Flask app: the calls one process works on at once
    # (a waiting call holds none). More threads contend for the process's GIL, which shows in
    # the tail (4 against 8, 8 against 32: docs/development.md, Performance).
    api_threads: int = 4
    # Threads per API process that run reads (GET: balances, history, polls of a request), so
    # that reads never queue behind submits.
    api_read_threads: int = Field(default=2, ge=1)
    worker_concurrency: int = 2  # make run's worker pool
    flower_port: int = 5555
    flower_max_tasks: int = 10000  # Flower keeps every task it hears of in memory: a bound
    # user:password; development falls back to DEV_FLOWER_LOGIN, production requires it.
    flower_basic_auth: str | None = None

    @model_validator(mode="after")
    def production_is_locked_down(self) -> "Settings":
        if self.wallet_env == "production":
            if self.wallet_dev_api_key:
                raise ValueError("WALLET_DEV_API_KEY must be unset when WALLET_ENV=production")
            if not self.wallet_secret_key or self.wallet_secret_key == DEV_SECRET_KEY:
                raise ValueError("WALLET_SECRET_KEY must be set when WALLET_ENV=production")
        return self

    @property
    def webhook_allow_loopback(self) -> bool:
        return self.webhook_allow_private or self.wallet_env == "development"

    @property
    def ops_networks(self) -> str:
        if self.ops_open_networks is not None:
            return self.ops_open_networks
        return EVERY_NETWORK if self.wallet_env == "development" else LOOPBACK_NETWORKS

    @property
    def secret_key(self) -> str:
        return self.wallet_secret_key or DEV_SECRET_KEY

    @property
    def dev_api_key(self) -> str | None:
        if self.wallet_env != "development":
            return None
        return self.wallet_dev_api_key or DEFAULT_DEV_API_KEY

    @property
    def bind_address(self) -> str:
        if self.listen_address:
            return self.listen_address
        return "127.0.0.1" if self.wallet_env == "development" else "0.0.0.0"  # noqa: S104

    @property
    def flower_login(self) -> str | None:
        if self.flower_basic_auth or self.wallet_env != "development":
            return self.flower_basic_auth
        return DEV_FLOWER_LOGIN

    @property
    def logs_as_json(self) -> bool:
        if self.log_format:
            return self.log_format == "json"
        return self.wallet_env == "production"

    @property
    def webhook_queue(self) -> str:
        """The webhook deliveries' queue, named after the posting queue (one per deployment)."""
        return f"{self.celery_queue}.webhooks"

    @property
    def broker_is_amqp(self) -> bool:
        return urlsplit(self.broker_url).scheme in ("amqp", "amqps", "pyamqp")

    @property
    def broker_url(self) -> str:
        """CELERY_BROKER_URL if set, else REDIS_URL as kombu spells it: a Unix socket
        (``unix:///path?db=N``, the form redis-py and the rate limiter read) is
        ``redis+socket:///path?virtual_host=N`` to Celery."""
        if self.celery_broker_url:
            return self.celery_broker_url
        url = urlsplit(self.redis_url)
        if url.scheme != "unix":
            return self.redis_url
        db = parse_qs(url.query).get("db", ["0"])[0]
        return f"redis+socket://{url.path}?virtual_host={db}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
