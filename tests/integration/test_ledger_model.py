"""Property: any sequence of top-ups, bonuses and spends leaves the ledger where a simple
in-memory model says, and every invariant holds.

Each example runs in a transaction of its own, rolled back after it: an example sees the
seed and its own rows only, so a failing example replays and shrinks on the state it failed on.
"""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from ledger.operations import SEED_OPERATION_TYPES, OperationType
from ledger.verify import find_violations
from tests.fixtures.databases import rolled_back
from tests.integration.helpers import deliver, gold, new_user, submit

operations = st.lists(
    st.tuples(
        st.sampled_from(SEED_OPERATION_TYPES),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(plan=operations)
def test_the_ledger_agrees_with_an_in_memory_model(
    rollback_engine: Engine, plan: list[tuple[OperationType, Decimal]]
) -> None:
    with rolled_back(rollback_engine) as session:
        user = new_user(session)
        model = Decimal(0)
        for operation, amount in plan:
            (request,) = deliver(session, submit(session, user, operation, str(amount)))
            affordable = operation != "spend" or amount <= model
            model += 0 if not affordable else (-amount if operation == "spend" else amount)
            assert request.status == ("completed" if affordable else "failed")
            assert request.error_code == (None if affordable else "INSUFFICIENT_FUNDS")
        assert gold(session, user) == model
        assert find_violations(session) == []
