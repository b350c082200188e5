-- Raw ceiling: one request's double-entry posting, as the worker writes it, straight to SQL.
-- -D hot=1: every posting debits SYS-TREASURY-001 (one hot row); hot=0: two random users.
\set u random(1, :users)
\set v 1 + (:u + random(0, :users - 2)) % :users
SELECT balance_id AS dst FROM bench_users WHERE n = :u \gset
\if :hot
\set src :treasury
\else
SELECT balance_id AS src FROM bench_users WHERE n = :v \gset
\endif
BEGIN;
SELECT id FROM account_balances WHERE id IN (:src, :dst) ORDER BY id FOR UPDATE;
UPDATE account_balances SET balance = balance - 1 WHERE id = :src;
UPDATE account_balances SET balance = balance + 1 WHERE id = :dst;
WITH request AS (
    INSERT INTO requests (id, client_id, idempotency_key, type, payload, payload_hash, status, attempts)
    VALUES (gen_random_uuid(), 'pgbench', gen_random_uuid()::text, 'topup', '{}', 'x', 'completed', 1)
    RETURNING id
), tx AS (
    INSERT INTO transactions (id, request_id, type, amount, metadata)
    SELECT gen_random_uuid(), id, 'topup', 1, '{}' FROM request RETURNING id
)
INSERT INTO ledger_entries (transaction_id, balance_id, account_id, asset_id, direction, amount, balance_after)
SELECT tx.id, b.id, b.account_id, b.asset_id,
       CASE WHEN b.id = :src THEN 'DEBIT' ELSE 'CREDIT' END, 1, b.balance
FROM tx, account_balances b WHERE b.id IN (:src, :dst);
END;
