-- Raw ceiling, hot: one request's double-entry posting straight through SYS-TREASURY-001.
\set u random(1, :users)
SELECT balance_id AS dst FROM bench_users WHERE n = :u \gset
BEGIN;
SELECT id FROM account_balances WHERE id IN (:treasury, :dst) ORDER BY id FOR UPDATE;
UPDATE account_balances SET balance = balance - 1 WHERE id = :treasury;
UPDATE account_balances SET balance = balance + 1 WHERE id = :dst;
WITH request AS (
    INSERT INTO requests (id, client_id, idempotency_key, type, payload, payload_hash, status, attempts)
    VALUES (gen_random_uuid(), 'pgbench', gen_random_uuid()::text, 'topup', '{}', 'x', 'completed', 1)
    RETURNING id
), tx AS (
    INSERT INTO transactions (id, request_id, type, metadata)
    SELECT gen_random_uuid(), id, 'topup', '{}' FROM request RETURNING id
)
INSERT INTO ledger_entries (transaction_id, balance_id, account_id, asset_id, direction, amount, balance_after)
SELECT tx.id, b.id, b.account_id, b.asset_id,
       CASE WHEN b.id = :treasury THEN 'DEBIT' ELSE 'CREDIT' END, 1, b.balance
FROM tx, account_balances b WHERE b.id IN (:treasury, :dst);
END;
