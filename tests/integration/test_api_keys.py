"""The API keys' rows (ledger.api_keys), in a rolled-back session: nothing is committed by them."""

import uuid

from sqlalchemy.orm import Session

from ledger.api_keys import add_key, find_active_key, list_keys, revoke_key


def test_a_key_is_found_by_its_prefix_until_revoked(session: Session) -> None:
    prefix = uuid.uuid4().hex[:12]
    add_key(session, client_id="game", prefix=prefix, key_hash="h", scopes=["wallet:read"])
    found = find_active_key(session, prefix=prefix)
    assert found is not None
    assert (found.client_id, found.key_hash) == ("game", "h")
    assert found.scopes == {"wallet:read"}
    assert prefix in {key.prefix for key in list_keys(session)}
    assert revoke_key(session, prefix=prefix)
    assert find_active_key(session, prefix=prefix) is None
    assert not revoke_key(session, prefix=prefix)  # revoked already
