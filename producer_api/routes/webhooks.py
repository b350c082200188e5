"""/api/webhooks: register a webhook (its secret shown once), list, delete, and read its
deliveries. Operators only (the ``admin`` scope): a webhook hears of every client's events."""

from flask import Blueprint, Response

from ledger.webhooks import registration as webhooks
from ledger.webhooks.views import DeliveryPage, WebhookCreated, WebhookList
from producer_api.app_services import services
from producer_api.contract.webhook_schemas import DeliveriesQuery, WebhookBody, WebhookPath
from producer_api.http.body import json_object
from producer_api.http.openapi import Operation
from producer_api.http.responses import json_response, path_id, query
from producer_api.services.auth import current_client, requires

bp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks")


@bp.post("")
@Operation({"201": ("Registered; the secret is shown this once", WebhookCreated)}, WebhookBody)
@requires("admin")
def create_webhook() -> Response:
    """Register a webhook

    Events are POSTed signed with the secret in this answer (Wallet-Signature); it is never
    shown again."""
    body = WebhookBody.model_validate(json_object())
    settings = services().settings
    with services().sessions.begin() as session:
        created = webhooks.register_webhook(
            session,
            url=body.url,
            events=list(body.events),
            description=body.description,
            created_by=current_client(),
            allow_private=settings.webhook_allow_private,
            allow_loopback=settings.webhook_allow_loopback,
            sealer=services().sealer,
        )
    return json_response(created, status=201)


@bp.get("")
@Operation({"200": ("The webhooks (without their secrets)", WebhookList)})
@requires("admin")
def list_webhooks() -> Response:
    """The webhooks"""
    with services().sessions() as session:
        return json_response(webhooks.list_webhooks(session))


@bp.delete("/<webhook_id>")
@Operation({"204": ("Deleted, with its pending deliveries", None)}, path=WebhookPath)
@requires("admin")
def delete_webhook(webhook_id: str) -> Response:
    """Delete a webhook"""
    with services().sessions.begin() as session:
        webhooks.delete_webhook(session, webhook_id=path_id("webhookId", webhook_id))
    return Response(status=204)


@bp.get("/<webhook_id>/deliveries")
@Operation({"200": ("Newest first", DeliveryPage)}, path=WebhookPath, query=DeliveriesQuery)
@requires("admin")
def list_deliveries(webhook_id: str) -> Response:
    """A webhook's deliveries and their attempts"""
    found, params = path_id("webhookId", webhook_id), query(DeliveriesQuery)
    with services().sessions() as session:
        page = webhooks.list_deliveries(session, webhook_id=found, limit=params.limit)
    return json_response(page)
