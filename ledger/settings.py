"""The one settings object, read from the environment by the API, the worker and Alembic."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "postgresql+psycopg2://postgres@127.0.0.1:5432/wallet"
    redis_url: str = "redis://127.0.0.1:6379/0"
    port: int = 3000

    # A request left queued/processing longer than this is re-enqueued by the reaper.
    reaper_interval_seconds: float = 10.0
    reaper_stale_after_seconds: float = 15.0
    # Deliveries of one request before it is failed as POSTING_ABANDONED (poison request).
    max_attempts: int = 5
    # Micro-batching: a worker posts up to this many queued requests in one transaction.
    batch_size: int = 200
    max_wait_seconds: int = 30
    # An unacknowledged task message returns to the queue after this long (Redis transport).
    broker_visibility_timeout_seconds: int = 300
    # Redis pub/sub channel on which workers announce finished requests to waiting API calls.
    outcome_channel: str = "wallet:outcomes"
    db_pool_size: int = 10


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
