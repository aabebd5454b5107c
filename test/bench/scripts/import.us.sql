-- 1,000 users with prepared (argon2id) hashes; rolled back so the table does not grow.
BEGIN;
SELECT (r).created FROM (SELECT userservice.import_users(b.doc) AS r FROM bench.batches b WHERE b.variant = 'us' AND b.client = :client_id) s;
ROLLBACK;
