-- 1,000 users with prepared (bcrypt) hashes; rolled back so the table does not grow.
BEGIN;
SELECT (r).created FROM (SELECT recipe.import_users(b.doc) AS r FROM bench.batches b WHERE b.variant = 'recipe' AND b.client = :client_id) s;
ROLLBACK;
