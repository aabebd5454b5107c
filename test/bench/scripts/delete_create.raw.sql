-- A new account, deleted again (the table does not grow). Raw SQL cannot
-- hash with argon2id: it inserts the prepared hash (:hash).
\set r random(1, 1000000000000)
INSERT INTO userservice.users (email, hashed_password, display_name) VALUES ('churn' || :client_id::text || '-' || :r::text || '@example.com', :hash, 'Churn User') RETURNING id AS uid, email, display_name, is_active, role, version, created_at, updated_at \gset
DELETE FROM userservice.users WHERE id = :uid;
