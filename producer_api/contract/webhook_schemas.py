"""The HTTP contract of webhooks and balance monitors: bodies, paths and queries (camelCase).
What they answer are the ledger's read models (ledger.webhooks.views)."""

import uuid
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from ledger.webhooks.outbox import EventType
from producer_api.contract.fields import AccountNumber, Amount, AssetCode, Text
from producer_api.contract.schemas import CamelModel

WebhookUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class WebhookBody(CamelModel):
    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl = Field(
        examples=["https://game.example/hooks/wallet"],
        description="http(s); in production a public address only",
    )
    events: list[EventType] = Field(min_length=1, max_length=8, examples=[["request.completed"]])
    description: Text | None = Field(default=None, examples=["Game server 1"])

    @field_validator("events")
    @classmethod
    def each_event_once(cls, events: list[str]) -> list[str]:
        if len(set(events)) != len(events):
            raise ValueError("an event type is named more than once")
        return events


class MonitorBody(CamelModel):
    model_config = ConfigDict(extra="forbid")

    account_number: AccountNumber = Field(examples=["USR-001"])
    asset_code: AssetCode = Field(examples=["GOLD_COINS"])
    below: Amount = Field(examples=["10.00"])


class WebhookPath(CamelModel):
    webhook_id: uuid.UUID


class MonitorPath(CamelModel):
    monitor_id: uuid.UUID


class DeliveriesQuery(CamelModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=20, ge=1, le=100)
