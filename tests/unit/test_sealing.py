from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from infra.sealing import SEALED, configure_sealing, seal, unseal


@pytest.fixture(autouse=True)
def no_keys_afterwards() -> Iterator[None]:
    yield
    configure_sealing(None)


def test_without_keys_values_are_stored_plain() -> None:
    configure_sealing(None)
    assert seal({"ip": "10.0.0.1"}) == {"ip": "10.0.0.1"}


def test_a_sealed_value_hides_its_content_and_opens_again() -> None:
    configure_sealing(Fernet.generate_key().decode())
    sealed = seal({"ip": "10.0.0.1", "n": [1, 2]})
    assert set(sealed) == {SEALED} and "10.0.0.1" not in sealed[SEALED]
    assert unseal(sealed) == {"ip": "10.0.0.1", "n": [1, 2]}


def test_keys_rotate_by_prepending_a_new_one() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    configure_sealing(old)
    sealed_with_old = seal({"a": 1})
    configure_sealing(f"{new},{old}")
    assert unseal(sealed_with_old) == {"a": 1}
    configure_sealing(new)
    assert unseal(seal({"b": 2})) == {"b": 2}


def test_plain_rows_stay_readable_once_keys_are_set() -> None:
    configure_sealing(Fernet.generate_key().decode())
    assert unseal({"ip": "10.0.0.1"}) == {"ip": "10.0.0.1"}
