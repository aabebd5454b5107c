-- What SQLAlchemy sends for a signup: BEGIN, SELECT by email, INSERT, SELECT again, COMMIT
-- (the hash is computed by the client: here a prepared one). The DELETE after it only
-- resets the table and is the same in signup.us.sql. /*key*/: see get_user_by_email.raw.sql.
\set r random(1, 1000000000000)
BEGIN;
SELECT id FROM userservice.users WHERE lower(email /*key*/) = lower('signup' || :client_id::text || '-' || :r::text || '@example.com' /*key*/);
INSERT INTO userservice.users (email, hashed_password, display_name) VALUES ('signup' || :client_id::text || '-' || :r::text || '@example.com', :hash, 'Signup User') RETURNING id AS uid \gset
SELECT id, email, display_name, is_active, role, version, created_at, updated_at FROM userservice.users WHERE id = :uid;
COMMIT;
DELETE FROM userservice.users WHERE id = :uid;
