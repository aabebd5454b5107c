-- auth: login, the equal answer for bad credentials, the login throttle,
-- rehash on login, change_password, logout_all, signing keys and the
-- settings that guard tokens. Runs as the superuser (a trusted caller)
-- unless a case says otherwise. Emails are unique to this file
-- (auth-*@example.com).
\set VERBOSITY default
SELECT length(userservice.create_signing_key('HS256', 'auth-suite-secret-0123456789-abcdefghij')) AS kid_length;
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

-- The throttle's counts of an email, as one line: address:failures, ...
CREATE FUNCTION pg_temp.attempts(email text) RETURNS text
LANGUAGE sql AS $$
    SELECT coalesce(string_agg(CASE WHEN address = '' THEN '*' ELSE address END || ':' || failures
                               || CASE WHEN trusted_until > now() THEN ' trusted' ELSE '' END,
                               ', ' ORDER BY address), 'none')
    FROM userservice.login_attempts(email)
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

-- The header is HS256/JWT with the signing key's kid.
SELECT pg_temp.b64url_decode(split_part(:'ann_token', '.', 1))::jsonb - 'kid' AS header,
       pg_temp.b64url_decode(split_part(:'ann_token', '.', 1))::jsonb ->> 'kid'
       = (SELECT kid FROM userservice.signing_keys WHERE state = 'signing') AS kid_is_signing_key;

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

-- Every refusal was counted against the email it named, registered or not
-- (the same durable work for each), here with no client address known.
SELECT pg_temp.attempts('auth-ann@example.com') AS ann,
       pg_temp.attempts('auth-nobody@example.com') AS nobody,
       pg_temp.attempts('auth-ina@example.com') AS ina,
       pg_temp.attempts('not-an-email') AS malformed;

-- A success gives its own attempt back, and no more: the failures stay
-- counted for their window.
SELECT token_type FROM userservice.login('auth-ann@example.com', 'ann-password-1');
SELECT pg_temp.attempts('auth-ann@example.com') AS ann;
SELECT pg_temp.attempts('AUTH-Ann@Example.COM') = pg_temp.attempts('auth-ann@example.com') AS any_letter_case;

UPDATE userservice.users SET is_active = true WHERE id = :ina_id;
SELECT token_type FROM userservice.login('auth-ina@example.com', 'ina-password-1');

----------------------------------------------------------------------
-- the login throttle: failures per window, reserved before the hash by a
-- background worker whose count outlives the rollback
----------------------------------------------------------------------

SET userservice.login_max_failures = 3;
SELECT id AS lock_id FROM userservice.create_user('auth-lock@example.com', 'lock-password-1', 'Lock') \gset

-- Failure 1: the call fails (its transaction rolls back) and yet the count
-- is there afterwards.
SELECT userservice.login('auth-lock@example.com', 'wrong-password-1');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.attempts('auth-lock@example.com') AS after_1;

-- Failure 2 inside a transaction that is rolled back: still counted.
BEGIN;
SELECT userservice.login('auth-lock@example.com', 'wrong-password-1');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.attempts('auth-lock@example.com') AS after_2;

-- A success is counted while it runs and given back after: still 2.
SELECT token_type FROM userservice.login('auth-lock@example.com', 'lock-password-1');
SELECT pg_temp.attempts('auth-lock@example.com') AS after_success;

-- Failure 3 (login_max_failures = 3) still answers 28P01; the budget is spent.
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_3;

-- The 4th attempt, even with the right password, gets PT429 before any
-- hashing, for at most the window (login_window, 900 s by default).
\set VERBOSITY terse
SELECT userservice.login('auth-lock@example.com', 'lock-password-1');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT answer, seconds BETWEEN 1 AND 900 AS seconds_within_window
FROM pg_temp.lock_error('auth-lock@example.com', 'lock-password-1');

-- Refused attempts are not counted.
SELECT answer FROM pg_temp.lock_error('auth-lock@example.com', 'wrong-password-1');
SELECT pg_temp.attempts('auth-lock@example.com') AS while_refused;

-- An unknown email runs out of attempts the same way: PT429 says nothing
-- about who has an account.
SELECT pg_temp.login_error('auth-ghost@example.com', 'wrong-password-1') AS ghost_1;
SELECT pg_temp.login_error('auth-ghost@example.com', 'wrong-password-1') AS ghost_2;
SELECT pg_temp.login_error('auth-ghost@example.com', 'wrong-password-1') AS ghost_3;
SELECT answer FROM pg_temp.lock_error('auth-ghost@example.com', 'wrong-password-1') AS ghost_4;

-- The lock does not touch other emails.
SELECT email FROM userservice.create_user('auth-other@example.com', 'other-password-1', 'Other');
SELECT token_type FROM userservice.login('auth-other@example.com', 'other-password-1');

-- Once the window has passed (simulated by moving it into the past), the
-- budget is whole again: the right password logs in.
UPDATE userservice.login_throttle SET window_start = now() - interval '901 seconds';
SELECT token_type FROM userservice.login('auth-lock@example.com', 'lock-password-1');
SELECT pg_temp.attempts('auth-lock@example.com') AS new_window;

-- An administrator can unlock: every count of the email goes to 0.
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_1;
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_2;
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_3;
SELECT answer FROM pg_temp.lock_error('auth-lock@example.com', 'lock-password-1') AS locked;
SELECT userservice.unlock_user(:lock_id);
SELECT pg_temp.attempts('auth-lock@example.com') AS unlocked;
SELECT token_type FROM userservice.login('auth-lock@example.com', 'lock-password-1');
SELECT userservice.unlock_user(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.unlock_user(NULL);
\echo :LAST_ERROR_SQLSTATE

-- So does an administrator's new password.
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_1;
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_2;
SELECT pg_temp.login_error('auth-lock@example.com', 'wrong-password-1') AS failure_3;
SELECT answer FROM pg_temp.lock_error('auth-lock@example.com', 'lock-password-1') AS locked;
SELECT id = :lock_id AS password_set FROM userservice.update_user(:lock_id, '{"password": "lock-password-2"}');
SELECT pg_temp.attempts('auth-lock@example.com') AS after_admin_password;
SELECT token_type FROM userservice.login('auth-lock@example.com', 'lock-password-2');

RESET userservice.login_max_failures;

----------------------------------------------------------------------
-- the client address: a trusted header (userservice.login_address_header)
----------------------------------------------------------------------

SET userservice.login_address_header = 'x-forwarded-for';
SET userservice.login_max_failures = 2;
SET userservice.login_max_account_failures = 3;
SET userservice.login_max_address_failures = 4;
SELECT id AS addr_id FROM userservice.create_user('auth-addr@example.com', 'addr-password-1', 'Addr') \gset

-- One login from the owner's address marks it trusted for this email.
SELECT set_config('request.headers', '{"x-forwarded-for": "203.0.113.7"}', false) IS NOT NULL AS from_owner;
SELECT token_type FROM userservice.login('auth-addr@example.com', 'addr-password-1');
SELECT pg_temp.attempts('auth-addr@example.com') AS owner_trusted;

-- A stranger at another address spends its 2 attempts on this email...
SELECT set_config('request.headers', '{"x-forwarded-for": "198.51.100.1"}', false) IS NOT NULL AS from_stranger;
SELECT pg_temp.login_error('auth-addr@example.com', 'guess-number-1') AS stranger_1;
SELECT pg_temp.login_error('auth-addr@example.com', 'guess-number-2') AS stranger_2;
SELECT answer FROM pg_temp.lock_error('auth-addr@example.com', 'guess-number-3') AS stranger_3;
-- ... a second stranger address spends the email's budget (3) ...
SELECT set_config('request.headers', '{"x-forwarded-for": "198.51.100.2"}', false) IS NOT NULL AS from_stranger_2;
SELECT pg_temp.login_error('auth-addr@example.com', 'guess-number-4') AS stranger_4;
SELECT answer FROM pg_temp.lock_error('auth-addr@example.com', 'guess-number-5') AS email_budget_spent;
-- ... and a third, new address is refused too ...
SELECT set_config('request.headers', '{"x-forwarded-for": "198.51.100.3"}', false) IS NOT NULL AS from_stranger_3;
SELECT answer FROM pg_temp.lock_error('auth-addr@example.com', 'addr-password-1') AS new_address_refused;
-- ... but the owner's address still logs in: strangers cannot lock it out.
SELECT set_config('request.headers', '{"x-forwarded-for": "203.0.113.7"}', false) IS NOT NULL AS from_owner;
SELECT token_type FROM userservice.login('auth-addr@example.com', 'addr-password-1');
SELECT pg_temp.attempts('auth-addr@example.com') AS counts;

-- The header's last element is the one the proxy added: a client cannot
-- pick its address by sending the header itself. IPv6 counts by /64.
SELECT set_config('request.headers', '{"x-forwarded-for": "203.0.113.7, 198.51.100.1"}', false) IS NOT NULL AS spoofed;
SELECT answer FROM pg_temp.lock_error('auth-addr@example.com', 'addr-password-1') AS still_the_stranger;
SELECT set_config('request.headers', '{"x-forwarded-for": "2001:db8:1:2:aaaa::1"}', false) IS NOT NULL AS ipv6;
SELECT pg_temp.login_error('auth-v6@example.com', 'guess-number-6') AS v6_1;
SELECT set_config('request.headers', '{"x-forwarded-for": "2001:db8:1:2:bbbb::9"}', false) IS NOT NULL AS ipv6_same_64;
SELECT pg_temp.login_error('auth-v6@example.com', 'guess-number-7') AS v6_2;
SELECT answer FROM pg_temp.lock_error('auth-v6@example.com', 'guess-number-8') AS v6_same_budget;
SELECT pg_temp.attempts('auth-v6@example.com') AS v6_counts;

-- One address spraying many emails is throttled by its own budget (4).
SELECT set_config('request.headers', '{"x-forwarded-for": "192.0.2.99"}', false) IS NOT NULL AS sprayer;
SELECT pg_temp.login_error('auth-spray-' || i || '@example.com', 'guess-number-1') AS spray
  FROM generate_series(1, 4) i;
SELECT answer FROM pg_temp.lock_error('auth-spray-5@example.com', 'guess-number-1') AS address_budget_spent;

-- A value that is no address counts as no address known (the strictest budget).
SELECT set_config('request.headers', '{"x-forwarded-for": "not-an-address"}', false) IS NOT NULL AS junk;
SELECT pg_temp.login_error('auth-junk@example.com', 'guess-number-1') AS junk_1;
SELECT pg_temp.attempts('auth-junk@example.com') AS junk_counted_as_email_only;

-- Headers that are not a JSON object count as no address known, too (the red
-- team's finding: they made login fail with 22P02 and echo the header text).
SELECT set_config('request.headers', 'not json', false) IS NOT NULL AS bad_headers;
SELECT pg_temp.login_error('auth-badheaders@example.com', 'guess-number-1') AS bad_headers_1;
SELECT set_config('request.headers', '["x-forwarded-for", "203.0.113.7"]', false) IS NOT NULL AS array_headers;
SELECT pg_temp.login_error('auth-badheaders@example.com', 'guess-number-2') AS array_headers_1;
SELECT pg_temp.attempts('auth-badheaders@example.com') AS bad_headers_counted_as_email_only;
-- Headers longer than a token's claims may be (PostgREST sends them all) still name the address.
SELECT set_config('request.headers', json_build_object('cookie-ish', repeat('c', 20000), 'x-forwarded-for', '192.0.2.77')::text, false) IS NOT NULL AS long_headers;
SELECT pg_temp.login_error('auth-longheaders@example.com', 'guess-number-1') AS long_headers_1;
SELECT pg_temp.attempts('auth-longheaders@example.com') AS long_headers_counted;

-- How addresses are counted (the red team's finding: every IPv4 client of a
-- dual-stack proxy was one IPv6 /64): an IPv4 address wrapped in IPv6 is that
-- IPv4 address; a port and brackets are dropped; loopback is itself.
CREATE FUNCTION pg_temp.counted_as(header text, email text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('request.headers', json_build_object('x-forwarded-for', header)::text, false);
    PERFORM pg_temp.login_error(email, 'guess-number-1');
    RETURN (SELECT string_agg(address, ',') FROM userservice.login_attempts(email) WHERE address <> '');
END
$$;
SELECT header, pg_temp.counted_as(header, 'auth-addr-' || n || '@example.com') AS counted_as
FROM (VALUES (1, '::ffff:6.6.6.6'), (2, '64:ff9b::6.6.6.6'), (3, '6.6.6.6:8080'),
             (4, '[2001:db8:5:6::7]:443'), (5, '::1'), (6, 'fe80::1%eth0'), (7, '2001:db8::1, 2001:db8::2')) v(n, header)
ORDER BY n;

-- A session whose own login role is a web role could send any header (a
-- SQL client, not PostgREST's authenticator): its header is not believed.
CREATE ROLE regress_auth_direct IN ROLE userservice_anon;
SET SESSION AUTHORIZATION regress_auth_direct;
SELECT set_config('request.headers', '{"x-forwarded-for": "203.0.113.7"}', false) IS NOT NULL AS spoofs_the_owner;
SELECT pg_temp.login_error('auth-direct@example.com', 'guess-number-9') AS direct_guess;
RESET SESSION AUTHORIZATION;
SELECT pg_temp.attempts('auth-direct@example.com') AS counted_without_address;
DROP ROLE regress_auth_direct;

SELECT set_config('request.headers', '', false) AS headers_cleared;
RESET userservice.login_address_header;
RESET userservice.login_max_failures;
RESET userservice.login_max_account_failures;
RESET userservice.login_max_address_failures;

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
-- A password of more than 1024 bytes is refused before any hashing: no
-- email could have it (new passwords are at most 128 characters).
SELECT userservice.login('auth-ann@example.com', repeat('x', 1025));
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.login_error('auth-nobody-long@example.com', repeat('x', 1024)) AS exactly_1024;
SELECT pg_temp.attempts('auth-nobody-long@example.com') AS counted_1024_but_not_1025;
-- So is an email of more bytes than any email may have, before normalizing it.
SELECT userservice.login(repeat('a', 1017) || '@example.com', 'any password');
\echo :LAST_ERROR_SQLSTATE

----------------------------------------------------------------------
-- signing keys, and the settings behind tokens
----------------------------------------------------------------------

-- create_signing_key: HS256 only, a secret of at least 32 bytes; 22023
-- naming the argument otherwise, and no key is added.
SELECT count(*) AS keys_before FROM userservice.signing_keys \gset
SELECT userservice.create_signing_key('EdDSA');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_signing_key('HS256', 'too-short-secret');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_signing_key('HS256', '0123456789012345678901234567890');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_signing_key(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) = :keys_before AS no_key_added FROM userservice.signing_keys;

-- A new key signs from now on; the one before keeps verifying, so a token
-- it signed stays good. Without a secret, 32 random bytes are made.
SELECT userservice.create_signing_key('HS256') AS new_kid \gset
SELECT kid = :'new_kid' AS is_new, state, octet_length(secret) AS secret_bytes, omit_kid
  FROM userservice.signing_keys WHERE state = 'signing';
SELECT count(*) AS verifying_keys FROM userservice.signing_keys WHERE state = 'verifying';
SELECT userservice.verify_token(:'ann_token') ->> 'sub' = :'ann_id' AS old_token_still_good;
SELECT pg_temp.b64url_decode(split_part(access_token, '.', 1))::jsonb ->> 'kid' = :'new_kid' AS signed_by_new_key
  FROM userservice.login('auth-ann@example.com', 'ann-password-1');

-- jwks(): symmetric keys only with include_secrets; each as an oct JWK with
-- kid, alg and use, and k the base64url secret.
SELECT userservice.jwks() AS without_secrets;
SELECT jsonb_array_length(j->'keys') = (SELECT count(*) FROM userservice.signing_keys WHERE state <> 'retired') AS every_live_key,
       (SELECT bool_and(k ?& ARRAY['kty', 'kid', 'alg', 'use', 'k'] AND k->>'kty' = 'oct' AND k->>'alg' = 'HS256')
          FROM jsonb_array_elements(j->'keys') k) AS oct_jwks,
       (SELECT k->>'k' FROM jsonb_array_elements(j->'keys') k WHERE k->>'kid' = :'new_kid')
       = rtrim(translate(encode((SELECT secret FROM userservice.signing_keys WHERE kid = :'new_kid'), 'base64'), '+/', '-_'), '=')
       AS k_is_the_secret
FROM userservice.jwks(true) AS j;

-- Retiring the key that signed ann_token: it is refused from now on, and the
-- secret is wiped. The signing key cannot be retired; an unknown kid is PT404.
SELECT kid AS auth_kid FROM userservice.signing_keys
 WHERE secret = convert_to('auth-suite-secret-0123456789-abcdefghij', 'UTF8') \gset
SELECT userservice.retire_signing_key(:'auth_kid');
SELECT state, secret IS NULL AS secret_wiped, retired_at IS NOT NULL AS has_retired_at
  FROM userservice.signing_keys WHERE kid = :'auth_kid';
SELECT userservice.verify_token(:'ann_token');
\echo :LAST_ERROR_SQLSTATE
-- (terse: the DETAIL names a random kid)
\set VERBOSITY terse
SELECT userservice.retire_signing_key(:'new_kid');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.retire_signing_key('no-such-kid');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.retire_signing_key(:'auth_kid');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- (back to a key whose secret this file knows, for the cases below)
SELECT length(userservice.create_signing_key('HS256', 'auth-suite-secret-0123456789-abcdefghij')) AS kid_length;

-- The userservice.jwt_secret setting of 1.2 is ignored (a token signed with
-- it is refused: see the end of this file), and managing keys warns a
-- superuser who still has it set.
SET userservice.jwt_secret = 'the-old-setting-0123456789-0123456789';
SELECT length(userservice.create_signing_key('HS256', 'auth-suite-secret-0123456789-abcdefghij')) AS kid_length;
RESET userservice.jwt_secret;

-- Only superusers manage keys; nobody else reads the table (42501).
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT set_config('request.jwt.claims', json_build_object('sub', :ann_id::text, 'tv', 1, 'exp', 4102444800)::text, true) IS NOT NULL AS claims_set;
SELECT userservice.create_signing_key('HS256');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
CREATE ROLE regress_auth_trusted IN ROLE userservice_trusted;
BEGIN;
SET LOCAL ROLE regress_auth_trusted;
SELECT userservice.jwks(true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE regress_auth_trusted;
SELECT count(*) FROM userservice.signing_keys;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_anon;
SELECT userservice.retire_signing_key('x');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
DROP ROLE regress_auth_trusted;

-- The token lifetime is a setting.
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

-- The web roles cannot set any setting of the extension (42501).
BEGIN;
SET LOCAL ROLE userservice_anon;
SET userservice.login_max_failures = 1000;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_anon;
SET userservice.login_address_header = 'x-my-own-header';
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

-- The web roles cannot read the tables behind the functions.
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT count(*) FROM userservice.login_throttle;
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
-- even the right one is PT429 until the window ends.
SET userservice.login_max_failures = 2;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id::text, 'tv', 1, 'exp', 4102444800)::text, true) \gset
SELECT userservice.change_password('wrong-current-1', 'kay-password-2');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- (counted for the user, not for its email, which the user may change)
SELECT pg_temp.attempts('auth-kay@example.com') AS kay_email;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id::text, 'tv', 1, 'exp', 4102444800)::text, true) \gset
SELECT userservice.change_password('wrong-current-2', 'kay-password-2');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id::text, 'tv', 1, 'exp', 4102444800)::text, true) \gset
-- (terse: the DETAIL counts down seconds)
\set VERBOSITY terse
SELECT userservice.change_password('kay-password-1', 'kay-password-2');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
ROLLBACK;
-- Changing one's email does not give the budget back (the red team's
-- rotation: 1.3 first keyed change_password by the email).
SELECT email FROM userservice.update_user(:kay_id, '{"email": "auth-kay-2@example.com"}');
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id::text, 'tv', 1, 'exp', 4102444800)::text, true) \gset
\set VERBOSITY terse
SELECT userservice.change_password('wrong-current-3', 'kay-password-2');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
ROLLBACK;
SELECT email FROM userservice.update_user(:kay_id, '{"email": "auth-kay@example.com"}');
SELECT userservice.unlock_user(:kay_id);
RESET userservice.login_max_failures;
-- A current_password of more than 1024 bytes is refused before it spends an attempt.
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id::text, 'tv', 1, 'exp', 4102444800)::text, true) \gset
SELECT userservice.change_password(repeat('x', 1025), 'kay-password-2');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- One transaction may log in more than once: a success holds no lock on the
-- throttle (its give-back runs in a worker of its own, which login awaits).
BEGIN;
SELECT token_type FROM userservice.login('auth-kay@example.com', 'kay-password-1');
SELECT pg_temp.login_error('auth-kay@example.com', 'wrong-password');
SELECT token_type FROM userservice.login('auth-kay@example.com', 'kay-password-1');
ROLLBACK;
SELECT userservice.unlock_user(:kay_id);

-- The counting worker: a session's first attempt starts one, its later
-- attempts reuse it (no worker start per login), until it has been idle for
-- login_worker_idle.
CREATE FUNCTION pg_temp.counting_workers() RETURNS int[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(pid ORDER BY pid), '{}') FROM pg_stat_activity
     WHERE backend_type = 'userservice login throttle'
$$;
CREATE FUNCTION pg_temp.await_no_counting_worker() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. 500 LOOP
        EXIT WHEN cardinality(pg_temp.counting_workers()) = 0;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN cardinality(pg_temp.counting_workers());
END
$$;
SET userservice.login_worker_idle = '1min';
SELECT token_type FROM userservice.login('auth-kay@example.com', 'kay-password-1');
SELECT pg_temp.counting_workers() AS worker_1 \gset
SELECT cardinality(:'worker_1'::int[]) AS workers_after_login;
SELECT pg_temp.login_error('auth-kay@example.com', 'wrong-password');
SELECT token_type FROM userservice.login('auth-kay@example.com', 'kay-password-1');
SELECT pg_temp.counting_workers() = :'worker_1' AS same_worker_reused;
-- A worker that dies answers nothing: the next attempt starts another.
SELECT count(pg_terminate_backend(p)) AS terminated FROM unnest(pg_temp.counting_workers()) p;
SELECT pg_temp.await_no_counting_worker() AS workers_left;
SELECT token_type FROM userservice.login('auth-kay@example.com', 'kay-password-1');
SELECT cardinality(pg_temp.counting_workers()) = 1 AND NOT pg_temp.counting_workers() && :'worker_1' AS another_worker;
-- Idle for login_worker_idle: it quits (0: after every attempt).
SET userservice.login_worker_idle = '100ms';
SELECT token_type FROM userservice.login('auth-kay@example.com', 'kay-password-1');
SELECT pg_temp.await_no_counting_worker() AS workers_after_idle;
SET userservice.login_worker_idle = 0;
SELECT pg_temp.login_error('auth-kay@example.com', 'wrong-password');
SELECT pg_temp.await_no_counting_worker() AS workers_after_zero;
RESET userservice.login_worker_idle;
SELECT userservice.unlock_user(:kay_id);

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
SELECT set_config('request.jwt.claims', json_build_object('sub', :kay_id, 'tv', 1, 'exp', 4102444800)::text, true) \gset
SELECT email FROM userservice.me();
ROLLBACK;

-- aud may be an array holding the audience (as PostgREST accepts).
SET userservice.jwt_audience = 'auth-api';
CREATE EXTENSION pgcrypto;   -- dropped below: tokens.sql makes its own
CREATE FUNCTION pg_temp.b64url(b bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT rtrim(translate(replace(encode(b, 'base64'), E'\n', ''), '+/', '-_'), '=')
$$;
CREATE FUNCTION pg_temp.sign_with(secret text, payload text) RETURNS text LANGUAGE sql AS $$
    SELECT h || '.' || pg_temp.b64url(hmac(h, secret, 'sha256'))
      FROM (SELECT pg_temp.b64url('{"alg":"HS256","typ":"JWT"}') || '.'
                   || pg_temp.b64url(convert_to(payload, 'UTF8')) AS h) t
$$;
CREATE FUNCTION pg_temp.sign(payload text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.sign_with('auth-suite-secret-0123456789-abcdefghij', payload)
$$;
SELECT token_version AS kay_tv FROM userservice.users WHERE id = :kay_id \gset
SELECT userservice.verify_token(pg_temp.sign(format('{"sub":"%s","tv":%s,"exp":4102444800,"aud":["other","auth-api"]}', :kay_id, :kay_tv))) ->> 'sub' = :'kay_id' AS aud_array_ok;
SELECT userservice.verify_token(pg_temp.sign(format('{"sub":"%s","tv":%s,"exp":4102444800,"aud":["other",7]}', :kay_id, :kay_tv)));
\echo :LAST_ERROR_SQLSTATE
RESET userservice.jwt_audience;

-- A token signed with the 1.2 setting's secret is refused, setting or not.
SET userservice.jwt_secret = 'the-old-setting-0123456789-0123456789';
SELECT userservice.verify_token(pg_temp.sign_with('the-old-setting-0123456789-0123456789',
       format('{"sub":"%s","tv":%s,"exp":4102444800}', :kay_id, :kay_tv)));
\echo :LAST_ERROR_SQLSTATE
RESET userservice.jwt_secret;
DROP EXTENSION pgcrypto CASCADE;
SELECT userservice.delete_user(:kay_id);
