-- Raw batch ceiling: what the batch endpoint makes Postgres do for 1,000 top-ups, straight to
-- SQL with no Python anywhere: record the requests (one statement, one transaction), then post
-- them in one transaction (lock the requests and the balance rows in id order, update the
-- treasury once and each user once, one transaction row and two entries per posting, the
-- requests' outcomes). Users are distinct within a batch: 7919 is prime to the user count.
SELECT (random() * 1e15)::bigint AS batch \gset
\set base random(0, :users - 1)
INSERT INTO requests (id, client_id, idempotency_key, type, payload, payload_hash, status, attempts)
SELECT md5(:batch || '-' || g)::uuid, 'pgbench', :batch || '-' || g, 'topup',
       '{"accountNumber": "USR-LOAD-000001", "assetCode": "GOLD_COINS", "amount": "1.00"}', 'x',
       'queued', 0
FROM generate_series(1, 1000) g;
BEGIN;
SELECT r.id FROM requests r
WHERE r.id = ANY (ARRAY(SELECT md5(:batch || '-' || g)::uuid FROM generate_series(1, 1000) g))
ORDER BY r.id FOR UPDATE OF r;
SELECT b.id FROM account_balances b
WHERE b.id = :treasury
   OR b.id IN (SELECT balance_id FROM bench_users WHERE n IN (
       SELECT 1 + (:base + g * 7919) % :users FROM generate_series(1, 1000) g))
ORDER BY b.id FOR UPDATE;
WITH posted AS (
    SELECT g, md5(:batch || '-' || g)::uuid AS request_id, u.balance_id AS dst,
           gen_random_uuid() AS tx_id
    FROM generate_series(1, 1000) g
    JOIN bench_users u ON u.n = 1 + (:base + g * 7919) % :users
), treasury AS (
    UPDATE account_balances SET balance = balance - 1000, updated_at = now()
    WHERE id = :treasury RETURNING balance + 1000 AS before, account_id, asset_id
), users AS (
    UPDATE account_balances b SET balance = b.balance + 1, updated_at = now()
    FROM posted p WHERE b.id = p.dst RETURNING b.id, b.balance, b.account_id, b.asset_id
), tx AS (
    INSERT INTO transactions (id, request_id, type, amount, metadata)
    SELECT tx_id, request_id, 'topup', 1, '{}' FROM posted
), entries AS (
    INSERT INTO ledger_entries
        (transaction_id, balance_id, account_id, asset_id, direction, amount, balance_after)
    SELECT p.tx_id, :treasury, t.account_id, t.asset_id, 'DEBIT', 1, t.before - p.g
    FROM posted p, treasury t
    UNION ALL
    SELECT p.tx_id, u.id, u.account_id, u.asset_id, 'CREDIT', 1, u.balance
    FROM posted p JOIN users u ON u.id = p.dst
)
UPDATE requests r
SET status = 'completed', attempts = 1, updated_at = now(), completed_at = now()
FROM posted p WHERE r.id = p.request_id;
END;
