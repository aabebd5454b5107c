-- auth: login, the equal answer for bad credentials, the durable lockout,
-- rehash on login, change_password, logout_all and the settings that guard
-- tokens. Runs as the superuser (a trusted caller) unless a case says
-- otherwise. Emails are unique to this file (auth-*@example.com).
\set VERBOSITY default
SET userservice.jwt_secret = 'auth-suite-secret-0123456789-abcdefghij';
SET userservice.jwt_lifetime = 120;
-- argon2id at its floor (19 MiB, t=2) keeps every hash cheap.
RESET userservice.password_hash_memory;
RESET userservice.password_hash_iterations;

-- What an error said, as one line: SQLSTATE | message | detail.
CREATE FUNCTION pg_temp.login_error(email text, password text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text;
BEGIN
    PERFORM userservice.login(email, password);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ' | ' || msg || ' | ' || det;
END
$$;

-- The same for a PT429, whose DETAIL counts down seconds: the number is
-- replaced by N here and checked separately.
CREATE FUNCTION pg_temp.lock_error(email text, password text, OUT answer text, OUT seconds int)
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text;
BEGIN
    PERFORM userservice.login(email, password);
    answer := 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    answer := st || ' | ' || msg || ' | ' || regexp_replace(det, '\d+ more seconds', 'N more seconds');
    seconds := (regexp_match(det, '(\d+) more seconds'))[1]::int;
END
$$;

-- base64url without padding, decoded (to read a token's parts).
CREATE FUNCTION pg_temp.b64url_decode(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_from(decode(translate(s, '-_', '+/')
                               || repeat('=', (4 - length(s) % 4) % 4), 'base64'), 'UTF8')
$$;

-- A fingerprint of this file's users, hashes included: equal before and
-- after a failed call means the call changed no row.
CREATE FUNCTION pg_temp.users_fingerprint() RETURNS text
LANGUAGE sql AS $$
    SELECT md5(string_agg(u::text, ',' ORDER BY u.id))
    FROM userservice.users u WHERE u.email LIKE 'auth-%'
$$;

SELECT id AS ann_id FROM userservice.create_user('auth-ann@example.com', 'ann-password-1', 'Ann') \gset
SELECT id AS ina_id FROM userservice.create_user('auth-ina@example.com', 'ina-password-1', 'Ina') \gset

----------------------------------------------------------------------
-- login: the happy path
----------------------------------------------------------------------

-- login returns a bearer token of three dot-separated parts that lives
-- userservice.jwt_lifetime seconds.
SELECT token_type, expires_in,
       array_length(string_to_array(access_token, '.'), 1) AS parts,
       access_token ~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$' AS base64url_no_padding
FROM userservice.login('auth-ann@example.com', 'ann-password-1');

SELECT access_token AS ann_token FROM userservice.login('auth-ann@example.com', 'ann-password-1') \gset

-- The header is HS256/JWT.
SELECT pg_temp.b64url_decode(split_part(:'ann_token', '.', 1))::jsonb AS header;

-- verify_token gives back the claims: sub is the user id as text, role the
-- web role PostgREST switches to, exp - iat the configured lifetime, tv the
-- user's token_version, no aud while jwt_audience is unset.
SELECT c->>'sub' = :'ann_id' AS sub_is_ann,
       jsonb_typeof(c->'sub') AS sub_type,
       c->>'role' AS role,
       (c->>'exp')::bigint - (c->>'iat')::bigint AS lifetime,
       abs((c->>'iat')::bigint - extract(epoch FROM now())::bigint) < 60 AS iat_is_now,
       (c->>'tv')::int = (SELECT token_version FROM userservice.users WHERE id = :ann_id) AS tv_is_current,
       c ? 'aud' AS has_aud
FROM userservice.verify_token(:'ann_token') AS c;

-- The token the extension signs is the standard HS256 of header.payload:
-- the payload decodes to the same claims verify_token returned.
SELECT pg_temp.b64url_decode(split_part(:'ann_token', '.', 2))::jsonb
       = userservice.verify_token(:'ann_token') AS payload_is_claims;

-- The email is found in any letter case.
SELECT token_type FROM userservice.login('AUTH-Ann@Example.COM', 'ann-password-1');

----------------------------------------------------------------------
-- one answer for every kind of bad credentials
----------------------------------------------------------------------

UPDATE userservice.users SET is_active = false WHERE id = :ina_id;

-- An unknown email, a wrong password and an inactive account (with its
-- right password) get the same SQLSTATE, message and DETAIL.
SELECT userservice.login('auth-nobody@example.com', 'ann-password-1');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.login('auth-ann@example.com', 'wrong-password-1');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.login('auth-ina@example.com', 'ina-password-1');
\echo :LAST_ERROR_SQLSTATE

SELECT pg_temp.login_error('auth-nobody@example.com', 'ann-password-1') AS unknown_email;
SELECT pg_temp.login_error('auth-ann@example.com', 'wrong-password-1') AS wrong_password;
SELECT pg_temp.login_error('auth-ina@example.com', 'ina-password-1') AS inactive_account;
SELECT count(DISTINCT answer) AS distinct_answers
FROM (VALUES (pg_temp.login_error('auth-nobody@example.com', 'ann-password-1')),
             (pg_temp.login_error('auth-ann@example.com', 'wrong-password-1')),
             (pg_temp.login_error('auth-ina@example.com', 'ina-password-1'))) v(answer);

-- A password that breaks the password rules is not a validation error at
-- login: it is just a wrong password.
SELECT pg_temp.login_error('auth-ann@example.com', 'short') AS short_password;
SELECT pg_temp.login_error('not-an-email', 'ann-password-1') AS malformed_email;

-- A failed login writes no users row.
SELECT pg_temp.users_fingerprint() AS fp_before \gset
SELECT userservice.login('auth-ann@example.com', 'wrong-password-2');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.users_fingerprint() = :'fp_before' AS users_unchanged;

-- The failures above were counted for ann (an existing account with a wrong
-- password), never for an unknown email; ina's right password did not count.
SELECT u.email, f.failures, f.locked_until IS NULL AS not_locked
FROM userservice.login_failures f JOIN userservice.users u ON u.id = f.user_id
WHERE u.email LIKE 'auth-%' ORDER BY u.email;

-- A success resets ann's count.
SELECT token_type FROM userservice.login('auth-ann@example.com', 'ann-password-1');
SELECT count(*) AS ann_failure_rows FROM userservice.login_failures WHERE user_id = :ann_id;

UPDATE userservice.users SET is_active = true WHERE id = :ina_id;
SELECT token_type FROM userservice.login('auth-ina@example.com', 'ina-password-1');

----------------------------------------------------------------------
-- lockout, counted by a background worker that outlives the rollback
----------------------------------------------------------------------

SET userservice.login_max_failures = 3;
SET userservice.login_lockout = 60;
SET userservice.login_lockout_max = 200;
SELECT id AS lock_id FROM userservice.create_user('auth-lock@example.com', 'lock-password-1', 'Lock') \gset

-- Failure 1: the call fails (its transaction rolls back) and yet the count
-- is there afterwards.
SELECT userservice.login('auth-lock@example.com', 'wrong-password-1');
\echo :LAST_ERROR_SQLSTATE
SELECT failures, locked_until IS NULL AS not_locked
FROM userservice.login_failures WHERE user_id = :lock_id;

-- Failure 2 inside a transaction that is rolled back: still counted.
BEGIN;
SELECT userservice.login('auth-lock@example.com', 'wrong-password-1');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT failures FROM userservice.login_failures WHERE user_id = :lock_id;

-- A success below the limit resets the count; the next failure starts at 1.
SELECT token_type FROM userservice.login('auth-lock@example.com', 'lock-password-1');
SELECT count(*) AS lock_failure_rows FROM userservice.login_failures WHERE user_id = :lock_id;
SELECT userservice.login('auth-lock@example.com', 'wrong-password-1');
\echo :LAST_ERROR_SQLSTATE
SELECT failures FROM userservice.login_failures WHERE user_id = :lock_id;

-- Failures 2 and 3 (login_max_failures = 3): the third still answers 28P01
-- and sets the first lockout, login_lockout = 60 s.
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_2;
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_3;
SELECT failures, extract(epoch FROM locked_until - last_failed_at)::int AS lockout_seconds
FROM userservice.login_failures WHERE user_id = :lock_id;

-- The 4th attempt, even with the right password, gets PT429.
\set VERBOSITY terse
SELECT userservice.login('auth-lock@example.com', 'lock-password-1');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT answer, seconds BETWEEN 1 AND 60 AS seconds_within_lockout
FROM pg_temp.lock_error('auth-lock@example.com', 'lock-password-1');

-- While locked, attempts are refused before any check and are not counted.
SELECT answer FROM pg_temp.lock_error('auth-lock@example.com', 'wrong-password-1');
SELECT failures FROM userservice.login_failures WHERE user_id = :lock_id;

-- The lock does not touch other accounts.
SELECT token_type FROM userservice.login('auth-ann@example.com', 'ann-password-1');

-- Once the lockout has run out (simulated by moving locked_until into the
-- past), each further failure locks again for twice as long: 120 s ...
UPDATE userservice.login_failures SET locked_until = now() - interval '1 second'
WHERE user_id = :lock_id;
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_4;
SELECT failures, extract(epoch FROM locked_until - last_failed_at)::int AS lockout_seconds
FROM userservice.login_failures WHERE user_id = :lock_id;

-- ... then 240 s, capped by login_lockout_max = 200 s.
UPDATE userservice.login_failures SET locked_until = now() - interval '1 second'
WHERE user_id = :lock_id;
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_5;
SELECT failures, extract(epoch FROM locked_until - last_failed_at)::int AS lockout_seconds
FROM userservice.login_failures WHERE user_id = :lock_id;

-- After the lockout, the right password logs in and clears the count.
UPDATE userservice.login_failures SET locked_until = now() - interval '1 second'
WHERE user_id = :lock_id;
SELECT token_type FROM userservice.login('auth-lock@example.com', 'lock-password-1');
SELECT count(*) AS lock_failure_rows FROM userservice.login_failures WHERE user_id = :lock_id;

RESET userservice.login_max_failures;
RESET userservice.login_lockout;
RESET userservice.login_lockout_max;

----------------------------------------------------------------------
-- a successful login re-hashes a cheaper password hash
----------------------------------------------------------------------

SELECT id AS re_id FROM userservice.create_user('auth-rehash@example.com', 'rehash-password-1', 'Re') \gset
SELECT substring(hashed_password FROM '^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$') AS cost
FROM userservice.users WHERE id = :re_id;
SELECT hashed_password AS re_hash_1, token_version AS re_tv FROM userservice.users WHERE id = :re_id \gset

SET userservice.password_hash_memory = '24MB';

-- A failed login does not re-hash.
SELECT userservice.login('auth-rehash@example.com', 'wrong-password-1');
\echo :LAST_ERROR_SQLSTATE
SELECT hashed_password = :'re_hash_1' AS hash_unchanged FROM userservice.users WHERE id = :re_id;

-- A successful one stores a new hash at the current cost, which still
-- verifies the same password; the user's tokens are not revoked by it.
SELECT token_type FROM userservice.login('auth-rehash@example.com', 'rehash-password-1');
SELECT substring(hashed_password FROM '^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$') AS cost,
       hashed_password <> :'re_hash_1' AS hash_replaced,
       token_version = :re_tv AS tokens_kept
FROM userservice.users WHERE id = :re_id;
SELECT hashed_password AS re_hash_2 FROM userservice.users WHERE id = :re_id \gset
SELECT token_type FROM userservice.login('auth-rehash@example.com', 'rehash-password-1');

-- A hash already at the current cost is left alone.
SELECT hashed_password = :'re_hash_2' AS hash_kept FROM userservice.users WHERE id = :re_id;

-- A hash stronger than the current settings is kept too: a login after the
-- cost was lowered must not weaken it (only cheaper hashes are upgraded).
RESET userservice.password_hash_memory;
SELECT token_type FROM userservice.login('auth-rehash@example.com', 'rehash-password-1');
SELECT substring(hashed_password FROM '^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$') AS cost,
       hashed_password = :'re_hash_2' AS hash_kept
FROM userservice.users WHERE id = :re_id;

----------------------------------------------------------------------
-- change_password
----------------------------------------------------------------------

SELECT id AS cp_id FROM userservice.create_user('auth-cp@example.com', 'cp-password-1', 'Cp') \gset
SELECT access_token AS cp_token FROM userservice.login('auth-cp@example.com', 'cp-password-1') \gset
SELECT userservice.verify_token(:'cp_token')::text AS cp_claims \gset
SELECT pg_temp.users_fingerprint() AS fp_before \gset

-- A wrong current password: 28P01 naming current_password; nothing changes.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'cp_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.change_password('wrong-password-1', 'cp-password-2');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- A new password that breaks the rules: 22023 naming new_password.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'cp_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.change_password('cp-password-1', 'short');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- NULL arguments: 22023 naming the field.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'cp_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.change_password(NULL, 'cp-password-2');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'cp_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.change_password('cp-password-1', NULL);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- A caller without a sub claim has no password to change: 42501.
SELECT userservice.change_password('cp-password-1', 'cp-password-2');
\echo :LAST_ERROR_SQLSTATE

SELECT pg_temp.users_fingerprint() = :'fp_before' AS users_unchanged;

-- The right current password: the new password works, the old one does
-- not, version and token_version go up by one.
SELECT version AS cp_version, token_version AS cp_tv FROM userservice.users WHERE id = :cp_id \gset
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'cp_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.change_password('cp-password-1', 'cp-password-2');
COMMIT;
SELECT version - :cp_version AS version_step, token_version - :cp_tv AS token_version_step
FROM userservice.users WHERE id = :cp_id;
SELECT pg_temp.login_error('auth-cp@example.com', 'cp-password-1') AS old_password;
SELECT token_type FROM userservice.login('auth-cp@example.com', 'cp-password-2');

-- The token issued before the change is revoked (check_request refuses it);
-- a token issued after it is accepted.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'cp_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.check_request();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT userservice.verify_token(access_token)::text AS cp_claims_2
FROM userservice.login('auth-cp@example.com', 'cp-password-2') \gset
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'cp_claims_2', true) IS NOT NULL AS claims_set;
SELECT userservice.check_request();
ROLLBACK;

----------------------------------------------------------------------
-- logout_all
----------------------------------------------------------------------

SELECT id AS lo_id FROM userservice.create_user('auth-lo@example.com', 'lo-password-1', 'Lo') \gset
SELECT userservice.verify_token(access_token)::text AS lo_claims
FROM userservice.login('auth-lo@example.com', 'lo-password-1') \gset
SELECT token_version AS lo_tv, version AS lo_version FROM userservice.users WHERE id = :lo_id \gset

-- A user may not log another user out: 42501.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'lo_claims', true) IS NOT NULL AS claims_set;
\set VERBOSITY terse
SELECT userservice.logout_all(:ann_id);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- logout_all() revokes the caller's tokens: token_version goes up, version
-- (the row's data) does not, and check_request refuses the old token.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'lo_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.logout_all();
COMMIT;
SELECT token_version - :lo_tv AS token_version_step, version - :lo_version AS version_step
FROM userservice.users WHERE id = :lo_id;
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'lo_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.check_request();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- The password still works: logging out is not a lockout.
SELECT token_type FROM userservice.login('auth-lo@example.com', 'lo-password-1');

-- A trusted caller names the user; an unknown id is PT404; without a sub
-- claim there is no "own" account: 42501.
SELECT userservice.logout_all(:lo_id);
SELECT token_version - :lo_tv AS token_version_step FROM userservice.users WHERE id = :lo_id;
SELECT userservice.logout_all(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.logout_all();
\echo :LAST_ERROR_SQLSTATE

----------------------------------------------------------------------
-- NULL arguments: 22023 naming the field
----------------------------------------------------------------------

SELECT userservice.login(NULL, 'ann-password-1');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.login('auth-ann@example.com', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.verify_token(NULL);
\echo :LAST_ERROR_SQLSTATE

----------------------------------------------------------------------
-- the settings behind tokens
----------------------------------------------------------------------

-- A secret shorter than 32 bytes is refused (22023) and the old one stays.
SET userservice.jwt_secret = 'too-short-secret';
\echo :LAST_ERROR_SQLSTATE
SET userservice.jwt_secret = '0123456789012345678901234567890';
\echo :LAST_ERROR_SQLSTATE
SHOW userservice.jwt_secret;
-- 32 bytes is enough.
SET userservice.jwt_secret = '01234567890123456789012345678901';
SELECT token_type FROM userservice.login('auth-ann@example.com', 'ann-password-1');

-- The token lifetime is a setting too.
SET userservice.jwt_lifetime = 300;
SELECT expires_in FROM userservice.login('auth-ann@example.com', 'ann-password-1');
SELECT (c->>'exp')::bigint - (c->>'iat')::bigint AS lifetime
FROM userservice.login('auth-ann@example.com', 'ann-password-1') l,
     userservice.verify_token(l.access_token) AS c;

-- With jwt_audience set, issued tokens carry it as aud.
SET userservice.jwt_audience = 'auth-suite';
SELECT c->>'aud' AS aud
FROM userservice.login('auth-ann@example.com', 'ann-password-1') l,
     userservice.verify_token(l.access_token) AS c;
RESET userservice.jwt_audience;

-- Without a secret, no token is signed or verified: 55000.
SET userservice.jwt_secret = '';
SELECT userservice.login('auth-ann@example.com', 'ann-password-1');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.verify_token(:'ann_token');
\echo :LAST_ERROR_SQLSTATE
SET userservice.jwt_secret = 'auth-suite-secret-0123456789-abcdefghij';

-- The web roles can neither read nor set the secret, nor any other setting
-- of the extension (42501).
BEGIN;
SET LOCAL ROLE userservice_user;
SHOW userservice.jwt_secret;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT current_setting('userservice.jwt_secret');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_anon;
SELECT current_setting('userservice.jwt_secret', true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT count(*) AS visible_in_pg_settings FROM pg_settings WHERE name = 'userservice.jwt_secret';
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_admin;
SET userservice.jwt_secret = 'an-admin-wants-to-forge-tokens-0123456789';
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_anon;
SELECT set_config('userservice.jwt_secret', 'anon-wants-to-forge-tokens-0123456789', true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_anon;
SET userservice.login_max_failures = 1000;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SET userservice.jwt_lifetime = 2592000;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SET userservice.password_hash_memory = '19MB';
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- The superuser still sees it.
SELECT current_setting('userservice.jwt_secret') = 'auth-suite-secret-0123456789-abcdefghij' AS superuser_reads_secret;

-- The web roles cannot read the tables behind the functions.
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT count(*) FROM userservice.login_failures;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT hashed_password FROM userservice.users LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

----------------------------------------------------------------------
-- Later rules: stronger hashes kept, change_password counted and locked
-- out, a worker that cannot get a lock does not hang the login, tokens
-- revoked by deactivation, aud arrays, numeric sub.
----------------------------------------------------------------------
RESET userservice.login_max_failures;
SELECT id AS kay_id FROM userservice.create_user('auth-kay@example.com', 'kay-password-1', 'Kay') \gset

-- A hash stronger than the current setting is kept at login, not weakened.
SET userservice.password_hash_memory = '24MB';
SELECT userservice.update_user(:kay_id, '{"password": "kay-password-1"}') IS NOT NULL AS rehashed_strong;
RESET userservice.password_hash_memory;
SELECT token_type FROM userservice.login('auth-kay@example.com', 'kay-password-1');
SELECT hashed_password LIKE '$argon2id$v=19$m=24576,t=2,p=1$%' AS strong_hash_kept
  FROM userservice.users WHERE id = :kay_id;

-- change_password: a wrong current_password is a failed login; at the limit,
-- even the right one is PT429 until the lockout ends.
SET userservice.login_max_failures = 2;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id::text, 'tv', 1)::text, true) \gset
SELECT userservice.change_password('wrong-current-1', 'kay-password-2');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT failures FROM userservice.login_failures WHERE user_id = :kay_id;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id::text, 'tv', 1)::text, true) \gset
SELECT userservice.change_password('wrong-current-2', 'kay-password-2');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id::text, 'tv', 1)::text, true) \gset
-- (terse: the DETAIL counts down seconds)
\set VERBOSITY terse
SELECT userservice.change_password('kay-password-1', 'kay-password-2');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
ROLLBACK;
DELETE FROM userservice.login_failures WHERE user_id = :kay_id;
RESET userservice.login_max_failures;

-- One transaction that logged in (clearing a failure row) and then fails:
-- the worker cannot take the row lock this transaction holds, gives up after
-- its lock_timeout, and the login answers 28P01 instead of hanging.
SELECT pg_temp.login_error('auth-kay@example.com', 'wrong-password');
BEGIN;
SELECT token_type FROM userservice.login('auth-kay@example.com', 'kay-password-1');
SELECT pg_temp.login_error('auth-kay@example.com', 'wrong-password');
ROLLBACK;
DELETE FROM userservice.login_failures WHERE user_id = :kay_id;

-- Deactivation revokes tokens: reactivating does not bring an old one back.
SELECT userservice.verify_token(access_token)::text AS kay_claims
  FROM userservice.login('auth-kay@example.com', 'kay-password-1') \gset
SELECT is_active FROM userservice.update_user(:kay_id, '{"is_active": false}');
SELECT is_active FROM userservice.update_user(:kay_id, '{"is_active": true}');
BEGIN;
SELECT set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'kay_claims', true) \gset
SELECT userservice.check_request();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- A numeric sub names the user as well as a string one.
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id, 'tv', 1)::text, true) \gset
SELECT email FROM userservice.me();
ROLLBACK;

-- aud may be an array holding the audience (as PostgREST accepts).
SET userservice.jwt_audience = 'auth-api';
CREATE EXTENSION pgcrypto;   -- dropped below: tokens.sql makes its own
CREATE FUNCTION pg_temp.b64url(b bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT rtrim(translate(replace(encode(b, 'base64'), E'\n', ''), '+/', '-_'), '=')
$$;
CREATE FUNCTION pg_temp.sign(payload text) RETURNS text LANGUAGE sql AS $$
    SELECT h || '.' || pg_temp.b64url(hmac(h, current_setting('userservice.jwt_secret'), 'sha256'))
      FROM (SELECT pg_temp.b64url('{"alg":"HS256","typ":"JWT"}') || '.'
                   || pg_temp.b64url(convert_to(payload, 'UTF8')) AS h) t
$$;
SELECT userservice.verify_token(pg_temp.sign('{"sub":"1","exp":4102444800,"aud":["other","auth-api"]}')) ->> 'sub' AS aud_array_ok;
SELECT userservice.verify_token(pg_temp.sign('{"sub":"1","exp":4102444800,"aud":["other",7]}'));
\echo :LAST_ERROR_SQLSTATE
RESET userservice.jwt_audience;
DROP EXTENSION pgcrypto CASCADE;
SELECT userservice.delete_user(:kay_id);
