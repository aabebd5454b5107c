-- The same signup as one statement (import_users of one user with the prepared hash, so
-- that neither side hashes); then the same DELETE as signup.orm.sql.
\set r random(1, 1000000000000)
SELECT (r).ids[1] AS uid FROM (SELECT userservice.import_users(jsonb_build_array(jsonb_build_object('email', 'signup' || :client_id::text || '-' || :r::text || '@example.com', 'display_name', 'Signup User', 'password_hash', :hash::text))) AS r) s \gset
DELETE FROM userservice.users WHERE id = :uid;
