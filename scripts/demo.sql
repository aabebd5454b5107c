-- A short tour of userservice: create, get, patch, a duplicate refused, delete.
\set ON_ERROR_STOP 0
\set VERBOSITY default
\pset footer off
\echo '-- create_user: a new account (argon2id hash stored, never returned)'
SELECT id AS demo_id, email, display_name, role, version
  FROM userservice.create_user('Demo@Example.com', 'correct horse battery', 'Demo') \gset
SELECT * FROM userservice.get_user(:demo_id);
\echo '-- get_user_by_email: any letter case finds the account'
SELECT id, email, display_name FROM userservice.get_user_by_email('demo@EXAMPLE.com');
\echo '-- update_user: a partial patch; version goes up'
SELECT id, email, display_name, version
  FROM userservice.update_user(:demo_id, '{"display_name": "Demo Lee"}', 1);
\echo '-- a duplicate email, in another letter case, is refused (23505)'
SELECT * FROM userservice.create_user('DEMO@example.com', 'another password', 'Impostor');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT :'LAST_ERROR_SQLSTATE' = '23505' AS e1 \gset
\echo '-- a stale expected_version is refused (PT409)'
SELECT * FROM userservice.update_user(:demo_id, '{"display_name": "Late"}', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT :'LAST_ERROR_SQLSTATE' = 'PT409' AS e2 \gset
\echo '-- login: an HS256 token signed by the key run.sh made (userservice.signing_keys)'
SELECT left(access_token, 24) || '...' AS access_token, token_type, expires_in
  FROM userservice.login('demo@example.com', 'correct horse battery');
SELECT count(*) = 1 AS e0 FROM userservice.login('demo@example.com', 'correct horse battery') \gset
\echo '-- a wrong password and an unknown email get the same answer (28P01)'
SELECT * FROM userservice.login('demo@example.com', 'wrong password');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT :'LAST_ERROR_SQLSTATE' = '28P01' AS e3 \gset
SELECT * FROM userservice.login('nobody@example.com', 'wrong password');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT :'LAST_ERROR_SQLSTATE' = '28P01' AS e4 \gset
\echo '-- both were counted by the login throttle, the unknown email too (so PT429 tells nothing)'
SELECT address, failures FROM userservice.login_attempts('demo@example.com');
SELECT address, failures FROM userservice.login_attempts('nobody@example.com');
\echo '-- a post, and users with their posts in one statement'
SELECT title FROM userservice.create_post(:demo_id, 'Hello', 'First post');
SELECT id, email, jsonb_array_length(posts) AS posts FROM userservice.list_users_with_posts(only_active => true);
\echo '-- delete_user, then the account is gone (PT404)'
SELECT userservice.delete_user(:demo_id);
SELECT * FROM userservice.get_user(:demo_id);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT :'LAST_ERROR_SQLSTATE' = 'PT404' AS e5 \gset
\echo
SELECT :'e0' AND :'e1' AND :'e2' AND :'e3' AND :'e4' AND :'e5' AS demo_ok \gset
\if :demo_ok
\echo 'demo OK: every refusal above answered the SQLSTATE it should, and the login worked'
\else
\echo 'demo FAILED: a step above did not answer what it should'
\endif
