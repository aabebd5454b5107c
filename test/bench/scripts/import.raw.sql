-- 1,000 users from the same JSON document, with prepared hashes; rolled back so the table does not grow.
BEGIN;
WITH ins AS (INSERT INTO userservice.users (email, display_name, hashed_password) SELECT x.email, x.display_name, x.password_hash FROM bench.batches b, jsonb_to_recordset(b.doc) AS x(email text, display_name text, password_hash text) WHERE b.variant = 'us' AND b.client = :client_id RETURNING id) SELECT count(*) AS created, array_agg(id) AS ids FROM ins;
ROLLBACK;
