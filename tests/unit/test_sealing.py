import pytest
from cryptography.fernet import Fernet, InvalidToken

from infra.sealing import PLAIN, SEALED, Sealer


def test_without_keys_values_are_stored_plain() -> None:
    assert PLAIN.seal({"ip": "10.0.0.1"}) == {"ip": "10.0.0.1"}


def test_a_sealed_value_hides_its_content_and_opens_again() -> None:
    sealer = Sealer(Fernet.generate_key().decode())
    sealed = sealer.seal({"ip": "10.0.0.1", "n": [1, 2]})
    assert set(sealed) == {SEALED} and "10.0.0.1" not in sealed[SEALED]
    assert sealer.unseal(sealed) == {"ip": "10.0.0.1", "n": [1, 2]}


def test_keys_rotate_by_prepending_a_new_one() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_with_old = Sealer(old).seal({"a": 1})
    assert Sealer(f"{new},{old}").unseal(sealed_with_old) == {"a": 1}
    assert Sealer(new).unseal(Sealer(new).seal({"b": 2})) == {"b": 2}


def test_plain_rows_stay_readable_once_keys_are_set() -> None:
    assert Sealer(Fernet.generate_key().decode()).unseal({"ip": "10.0.0.1"}) == {"ip": "10.0.0.1"}


def test_two_sealers_keep_their_own_keys() -> None:
    one, other = Sealer(Fernet.generate_key().decode()), Sealer(Fernet.generate_key().decode())
    sealed = one.seal({"a": 1})
    assert one.unseal(sealed) == {"a": 1}
    with pytest.raises(InvalidToken):
        other.unseal(sealed)
