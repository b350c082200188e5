"""The seed the README's flow starts from, read on the rolled-back tier's database (which no
test commits to, so these are the balances the seed wrote)."""

from sqlalchemy.orm import Session

from ledger.reads.queries import get_balances


def test_the_seed_gives_usr_001_the_balances_the_readme_starts_from(session: Session) -> None:
    balances = get_balances(session, account_number="USR-001").balances
    assert [(b.code, str(b.balance)) for b in balances] == [
        ("GOLD_COINS", "100.00"),
        ("DIAMONDS", "50.00"),
        ("LOYALTY_POINTS", "500.00"),
    ]
