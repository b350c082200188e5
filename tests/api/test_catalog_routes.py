"""/api/accounts and /api/assets in process (admin writes, keyset lists, freeze), and what
a frozen account and an account's history show after part-2 movements."""

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.api.helpers import assert_refused, keyed_client, post
from tests.api.part2 import balance, new_user, submit


@pytest.fixture
def admin(app: Flask, db: Session) -> FlaskClient:
    return keyed_client(app, db, ["admin"])


def number() -> str:
    return f"USR-C{uuid.uuid4().hex[:8].upper()}"


def test_an_account_is_created_once_and_its_number_is_then_taken(admin: FlaskClient) -> None:
    body = {"accountNumber": number(), "name": "Dana Evans"}
    created = post(admin, "/api/accounts", body)
    assert created.status_code == 201
    account = created.get_json()
    assert list(account) == ["accountNumber", "name", "kind", "status", "createdAt"]
    assert (account["kind"], account["status"]) == ("user", "active")
    assert post(admin, "/api/accounts", body).status_code == 200
    taken = post(admin, "/api/accounts", {**body, "name": "Someone else"})
    assert_refused(taken, 409, "ACCOUNT_EXISTS", "accountNumber")
    assert admin.get(f"/api/accounts/{body['accountNumber']}").get_json() == account
    assert balance(admin, body["accountNumber"])["balance"] == "0.00"


def test_a_system_account_number_is_taken(admin: FlaskClient) -> None:
    taken = post(admin, "/api/accounts", {"accountNumber": "SYS-REVENUE-001", "name": "x"})
    assert_refused(taken, 409, "ACCOUNT_EXISTS")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/accounts", {"accountNumber": "USR-X1", "name": "x"}),
        ("post", "/api/accounts/USR-001/freeze", None),
        ("post", "/api/accounts/USR-001/unfreeze", None),
        ("post", "/api/assets", {"code": "RUBIES", "name": "Rubies", "scale": 2}),
    ],
)
def test_catalog_writes_need_the_admin_scope(
    client: FlaskClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    answer = post(client, path, body or {}) if body else client.post(path)
    assert_refused(answer, 403, "FORBIDDEN")


def test_catalog_reads_need_only_wallet_read(client: FlaskClient) -> None:
    assert client.get("/api/accounts/USR-001").status_code == 200
    assert client.get("/api/assets").status_code == 200


def test_accounts_are_listed_by_keyset_pages(admin: FlaskClient) -> None:
    first = admin.get("/api/accounts?limit=2").get_json()
    assert len(first["accounts"]) == 2 and first["nextCursor"]
    second = admin.get(f"/api/accounts?limit=2&cursor={first['nextCursor']}").get_json()
    assert not {a["accountNumber"] for a in first["accounts"]} & {
        a["accountNumber"] for a in second["accounts"]
    }
    assert_refused(admin.get("/api/accounts?cursor=bogus"), 400, "INVALID_CURSOR")
    assert_refused(admin.get("/api/accounts?limit=0"), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("path", ["/api/accounts/USR-NOBODY", "/api/accounts/USR-NOBODY/freeze"])
def test_an_unknown_account_is_a_404(admin: FlaskClient, path: str) -> None:
    answer = admin.get(path) if "freeze" not in path else admin.post(path)
    assert_refused(answer, 404, "ACCOUNT_NOT_FOUND")


def test_a_system_account_cannot_be_frozen(admin: FlaskClient) -> None:
    assert_refused(admin.post("/api/accounts/SYS-REVENUE-001/freeze"), 422, "INVALID_ACCOUNT")


def test_assets_are_created_once_with_a_scale_of_0_to_8(admin: FlaskClient) -> None:
    code = f"GEM{uuid.uuid4().hex[:6].upper()}"
    body = {"code": code, "name": "Gems", "scale": 0}
    created = post(admin, "/api/assets", body)
    assert created.status_code == 201 and created.get_json() == body
    assert post(admin, "/api/assets", body).status_code == 200
    assert_refused(post(admin, "/api/assets", {**body, "scale": 3}), 409, "ASSET_EXISTS", "code")
    bad = post(admin, "/api/assets", {**body, "code": code + "X", "scale": 9})
    assert_refused(bad, 422, "INVALID_SCALE", "scale")
    codes = [a["code"] for a in admin.get("/api/assets?limit=100").get_json()["assets"]]
    assert codes[0] == "GOLD_COINS" and code in codes


def test_a_frozen_account_refuses_a_spend_and_still_receives_a_topup(
    app: Flask, db: Session, admin: FlaskClient
) -> None:
    writer = keyed_client(app, db, ["wallet:read", "wallet:write"])
    user = new_user(db)
    assert admin.post(f"/api/accounts/{user}/freeze").get_json()["status"] == "frozen"
    body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": 5}
    spent = submit(writer, "/api/wallet/spend", {**body, "description": "Sword"})
    assert (spent["status"], spent["error"]["code"]) == ("failed", "ACCOUNT_FROZEN")
    assert submit(writer, "/api/wallet/topup", body)["status"] == "completed"
    assert admin.post(f"/api/accounts/{user}/unfreeze").get_json()["status"] == "active"
    assert balance(writer, user)["balance"] == "105.00"


def test_history_shows_each_movement_as_seen_from_the_account(
    client: FlaskClient, db: Session
) -> None:
    alice, bob = new_user(db), new_user(db, "0")
    gold = {"assetCode": "GOLD_COINS"}
    sent = submit(
        client,
        "/api/wallet/transfer",
        {"fromAccount": alice, "toAccount": bob, **gold, "amount": 10},
    )
    hold = submit(client, "/api/wallet/holds", {"accountNumber": bob, **gold, "amount": 6})
    submit(client, f"/api/wallet/holds/{hold['hold']['holdId']}/capture", {"amount": 4})
    original = sent["transaction"]["transactionId"]
    submit(client, "/api/wallet/reversals", {"transactionId": original, "amount": 3})
    seen = client.get(f"/api/wallet/history/{bob}").get_json()["transactions"]
    assert [(t["type"], t["direction"], t["amount"], t["balanceAfter"]) for t in seen] == [
        ("reversal", "DEBIT", "3.00", "3.00"),
        ("capture", "DEBIT", "4.00", "6.00"),
        ("transfer", "CREDIT", "10.00", "10.00"),
    ]
    mine = client.get(f"/api/wallet/history/{alice}?limit=2").get_json()["transactions"]
    assert [(t["type"], t["direction"], t["amount"]) for t in mine] == [
        ("reversal", "CREDIT", "3.00"),
        ("transfer", "DEBIT", "10.00"),
    ]
