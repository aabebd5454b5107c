-- authz: who may call what. The caller's role is the role in effect (SET
-- ROLE, or set_config('role', ..., true) as PostgREST does it); the caller's
-- identity is the sub claim of request.jwt.claims. userservice_anon signs up
-- and logs in; userservice_user acts on its own account only; userservice_admin
-- does everything; superusers (this one) and members of userservice_trusted
-- act without claims; any other role is refused.
-- Emails are unique to this file (authz-*@example.com).
\set VERBOSITY default
SELECT length(userservice.create_signing_key('HS256', 'authz-suite-secret-0123456789-abcdefghij')) AS kid_length;

-- Run one statement; 'ok' or its SQLSTATE and message.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END
$$;

-- Every API function, called by whoever is the current role, acting on
-- self_id (the caller's own account) and other_id (somebody else's).
CREATE FUNCTION pg_temp.matrix(self_id bigint, self_pw text, other_id bigint, token text)
RETURNS TABLE (n int, call text, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT * FROM (VALUES
            (1, 'check_request()', 'SELECT userservice.check_request()'),
            (2, 'create_user', format('SELECT userservice.create_user(%L, %L, %L)', 'authz-signup@example.com', 'signup-password-1', 'Signup')),
            (3, 'login', format('SELECT userservice.login(%L, %L)', 'authz-ulf@example.com', 'ulf-password-1')),
            (4, 'verify_token', format('SELECT userservice.verify_token(%L)', token)),
            (5, 'me()', 'SELECT userservice.me()'),
            (6, 'get_user(self)', format('SELECT userservice.get_user(%s)', self_id)),
            (7, 'get_user(other)', format('SELECT userservice.get_user(%s)', other_id)),
            (8, 'get_user_by_email', format('SELECT userservice.get_user_by_email(%L)', 'authz-ulf@example.com')),
            (9, 'list_users()', 'SELECT userservice.list_users()'),
            (10, 'update_user(self, display_name)', format('SELECT userservice.update_user(%s, %L)', self_id, '{"display_name": "Renamed"}')),
            (11, 'update_user(self, email)', format('SELECT userservice.update_user(%s, %L)', self_id, jsonb_build_object('email', 'authz-renamed-' || self_id || '@example.com'))),
            (12, 'update_user(other, display_name)', format('SELECT userservice.update_user(%s, %L)', other_id, '{"display_name": "Renamed"}')),
            (13, 'update_user(self, role)', format('SELECT userservice.update_user(%s, %L)', self_id, '{"role": "admin"}')),
            (14, 'update_user(self, is_active)', format('SELECT userservice.update_user(%s, %L)', self_id, '{"is_active": false}')),
            (15, 'change_password', format('SELECT userservice.change_password(%L, %L)', self_pw, 'changed-password-1')),
            (16, 'update_user(self, password)', format('SELECT userservice.update_user(%s, %L)', self_id, '{"password": "patched-password-1"}')),
            (17, 'logout_all()', 'SELECT userservice.logout_all()'),
            (18, 'logout_all(self)', format('SELECT userservice.logout_all(%s)', self_id)),
            (19, 'logout_all(other)', format('SELECT userservice.logout_all(%s)', other_id)),
            (20, 'delete_user(other)', format('SELECT userservice.delete_user(%s)', other_id))
        ) AS v(n, call, stmt)
        ORDER BY n
    LOOP
        n := c.n;
        call := c.call;
        outcome := pg_temp.try(c.stmt);
        RETURN NEXT;
    END LOOP;
END
$$;

SELECT id AS uma_id FROM userservice.create_user('authz-uma@example.com', 'uma-password-1', 'Uma') \gset
SELECT id AS ulf_id FROM userservice.create_user('authz-ulf@example.com', 'ulf-password-1', 'Ulf') \gset
SELECT id AS adm_id FROM userservice.create_user('authz-adm@example.com', 'adm-password-1', 'Adm') \gset
SELECT role FROM userservice.update_user(:adm_id, '{"role": "admin"}');

SELECT access_token AS uma_token FROM userservice.login('authz-uma@example.com', 'uma-password-1') \gset
SELECT access_token AS adm_token FROM userservice.login('authz-adm@example.com', 'adm-password-1') \gset
SELECT userservice.verify_token(:'uma_token')::text AS uma_claims,
       userservice.verify_token(:'adm_token')::text AS adm_claims \gset
SELECT :'uma_claims'::jsonb->>'role' AS uma_role, :'adm_claims'::jsonb->>'role' AS adm_role;

----------------------------------------------------------------------
-- the role matrix (each block rolled back, so every role starts from the
-- same data)
----------------------------------------------------------------------

-- userservice_anon: create_user, login and check_request; all else 42501.
BEGIN;
SELECT set_config('role', 'userservice_anon', true) AS role,
       set_config('request.jwt.claims', '{"role": "userservice_anon"}', true) AS claims;
SELECT call, outcome FROM pg_temp.matrix(:uma_id, 'uma-password-1', :ulf_id, :'uma_token');
ROLLBACK;

-- userservice_user: check_request, me, change_password, logout_all, and
-- get_user/update_user on its own id, without role, is_active or password
-- keys; all else 42501.
BEGIN;
SELECT set_config('role', 'userservice_user', true) AS role,
       set_config('request.jwt.claims', :'uma_claims', true) IS NOT NULL AS claims_set;
SELECT call, outcome FROM pg_temp.matrix(:uma_id, 'uma-password-1', :ulf_id, :'uma_token');
ROLLBACK;

-- userservice_admin: everything.
BEGIN;
SELECT set_config('role', 'userservice_admin', true) AS role,
       set_config('request.jwt.claims', :'adm_claims', true) IS NOT NULL AS claims_set;
SELECT call, outcome FROM pg_temp.matrix(:adm_id, 'adm-password-1', :ulf_id, :'adm_token');
ROLLBACK;

-- A trusted role (the superuser, no claims): everything that needs no own
-- account; me, change_password and logout_all() need a sub claim (42501).
BEGIN;
SELECT call, outcome FROM pg_temp.matrix(:uma_id, 'uma-password-1', :ulf_id, :'uma_token');
ROLLBACK;

-- The same errors as psql shows them.
BEGIN;
SET LOCAL ROLE userservice_anon;
SELECT userservice.me();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'uma_claims', true) IS NOT NULL AS claims_set;
\set VERBOSITY terse
SELECT userservice.get_user(:ulf_id);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'uma_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.update_user(:uma_id, '{"role": "admin"}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'uma_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.update_user(:uma_id, '{"is_active": false}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'uma_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.update_user(:uma_id, '{"password": "patched-password-1"}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- A forbidden key is refused even next to allowed ones, and nothing changes.
SELECT version AS uma_version FROM userservice.users WHERE id = :uma_id \gset
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'uma_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.update_user(:uma_id, '{"display_name": "Uma Two", "role": "admin"}');
\echo :LAST_ERROR_SQLSTATE
COMMIT;
SELECT display_name, role, version = :uma_version AS version_kept
FROM userservice.users WHERE id = :uma_id;

-- A user's own patch is applied and returned.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', :'uma_claims', true) IS NOT NULL AS claims_set;
SELECT email, display_name, role, version - :uma_version AS version_step
FROM userservice.update_user(:uma_id, '{"display_name": "Uma Renamed"}');
SELECT id = :uma_id AS me_is_uma, display_name FROM userservice.me();
COMMIT;

-- The role is the role in effect, not the role claim: a userservice_user
-- whose claims say userservice_admin is still a user.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims',
                  (:'uma_claims'::jsonb || '{"role": "userservice_admin"}')::text, true) IS NOT NULL AS claims_set;
SELECT count(*) FROM userservice.list_users();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- A trusted role with claims acts as the user they name.
BEGIN;
SELECT set_config('request.jwt.claims', :'uma_claims', true) IS NOT NULL AS claims_set;
SELECT id = :uma_id AS me_is_uma FROM userservice.me();
ROLLBACK;

-- A user whose claims carry no sub has no account: me() is 42501.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', '{"role": "userservice_user", "exp": 4102444800}', true) AS claims;
SELECT userservice.me();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- me() for a sub whose user is gone: the token is refused (28000), at me()
-- as at check_request.
BEGIN;
SET LOCAL ROLE userservice_user;
SELECT set_config('request.jwt.claims', '{"sub": "9223372036854775807", "role": "userservice_user", "exp": 4102444800}', true) AS claims;
SELECT userservice.me();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

----------------------------------------------------------------------
-- list_users (admins)
----------------------------------------------------------------------

BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT set_config('request.jwt.claims', :'adm_claims', true) IS NOT NULL AS claims_set;
-- A keyset page: page_size rows after after_id, in id order.
SELECT email FROM userservice.list_users(page_size => 2, after_id => :uma_id - 1);
SELECT email FROM userservice.list_users(page_size => 2, after_id => :ulf_id);
-- skip is offset paging on top of the cursor.
SELECT email FROM userservice.list_users(page_size => 1, after_id => :uma_id - 1, skip => 2);
-- The default page is 20 rows at most; NULL means the default.
SELECT count(*) <= 20 AS default_page FROM userservice.list_users();
SELECT count(*) <= 20 AS null_page FROM userservice.list_users(NULL, NULL, NULL);
-- No row has a password hash.
SELECT array_agg(attname ORDER BY attnum) AS columns
FROM pg_attribute WHERE attrelid = 'userservice.user_profile'::regclass AND attnum > 0;
ROLLBACK;

-- page_size outside 1..1000 and a negative skip: 22023 naming the field.
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT set_config('request.jwt.claims', :'adm_claims', true) IS NOT NULL AS claims_set;
SELECT count(*) FROM userservice.list_users(page_size => 0);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT set_config('request.jwt.claims', :'adm_claims', true) IS NOT NULL AS claims_set;
SELECT count(*) FROM userservice.list_users(page_size => 1001);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT set_config('request.jwt.claims', :'adm_claims', true) IS NOT NULL AS claims_set;
SELECT count(*) FROM userservice.list_users(skip => -1);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- 1000 is allowed.
SELECT least(count(*), 1000) AS max_page_rows FROM userservice.users \gset
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT set_config('request.jwt.claims', :'adm_claims', true) IS NOT NULL AS claims_set;
SELECT count(*) = :max_page_rows AS max_page_ok FROM userservice.list_users(page_size => 1000);
ROLLBACK;

----------------------------------------------------------------------
-- check_request: a token that is no longer good
----------------------------------------------------------------------

SELECT id AS del_id FROM userservice.create_user('authz-del@example.com', 'del-password-1', 'Del') \gset
SELECT id AS off_id FROM userservice.create_user('authz-off@example.com', 'off-password-1', 'Off') \gset
SELECT id AS dem_id FROM userservice.create_user('authz-dem@example.com', 'dem-password-1', 'Dem') \gset
SELECT id AS pat_id FROM userservice.create_user('authz-pat@example.com', 'pat-password-1', 'Pat') \gset
SELECT id AS out_id FROM userservice.create_user('authz-out@example.com', 'out-password-1', 'Out') \gset
SELECT role FROM userservice.update_user(:dem_id, '{"role": "admin"}');
SELECT userservice.verify_token(access_token)::text AS del_claims
FROM userservice.login('authz-del@example.com', 'del-password-1') \gset
SELECT userservice.verify_token(access_token)::text AS off_claims
FROM userservice.login('authz-off@example.com', 'off-password-1') \gset
SELECT userservice.verify_token(access_token)::text AS dem_claims
FROM userservice.login('authz-dem@example.com', 'dem-password-1') \gset
SELECT userservice.verify_token(access_token)::text AS pat_claims
FROM userservice.login('authz-pat@example.com', 'pat-password-1') \gset
SELECT userservice.verify_token(access_token)::text AS out_claims
FROM userservice.login('authz-out@example.com', 'out-password-1') \gset

-- check_request as the given role with the given claims: 'ok' or the error.
CREATE FUNCTION pg_temp.check_as(role text, claims text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text;
BEGIN
    PERFORM set_config('role', role, true);
    PERFORM set_config('request.jwt.claims', claims, true);
    PERFORM userservice.check_request();
    PERFORM set_config('role', 'none', true);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ' | ' || msg || ' | ' || det;
END
$$;

-- Before anything happens, every token passes.
SELECT label, pg_temp.check_as(r, c) AS outcome
FROM (VALUES (1, 'del', 'userservice_user', :'del_claims'),
             (2, 'off', 'userservice_user', :'off_claims'),
             (3, 'dem (admin)', 'userservice_admin', :'dem_claims'),
             (4, 'pat', 'userservice_user', :'pat_claims'),
             (5, 'out', 'userservice_user', :'out_claims')) v(n, label, r, c)
ORDER BY n;

-- An admin deletes del, deactivates off, demotes dem, patches pat's
-- password and logs out every session of out.
BEGIN;
SET LOCAL ROLE userservice_admin;
SELECT set_config('request.jwt.claims', :'adm_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.delete_user(:del_id);
SELECT is_active FROM userservice.update_user(:off_id, '{"is_active": false}');
SELECT role FROM userservice.update_user(:dem_id, '{"role": "user"}');
SELECT email FROM userservice.update_user(:pat_id, '{"password": "pat-password-2"}');
SELECT userservice.logout_all(:out_id);
COMMIT;

-- Now each of those tokens is refused with 28000.
SELECT label, pg_temp.check_as(r, c) AS outcome
FROM (VALUES (1, 'deleted', 'userservice_user', :'del_claims'),
             (2, 'deactivated', 'userservice_user', :'off_claims'),
             (3, 'demoted admin', 'userservice_admin', :'dem_claims'),
             (4, 'password patched by an admin', 'userservice_user', :'pat_claims'),
             (5, 'logged out by an admin', 'userservice_user', :'out_claims')) v(n, label, r, c)
ORDER BY n;

-- One of them as psql shows it.
BEGIN;
SELECT set_config('role', 'userservice_user', true) AS role,
       set_config('request.jwt.claims', :'del_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.check_request();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- A role change revokes tokens: the demoted user's token is refused even as
-- a plain user (so re-promoting cannot revive it); new logins are good.
SELECT pg_temp.check_as('userservice_user', :'dem_claims') AS demoted_as_user;
SELECT pg_temp.check_as('userservice_user', userservice.verify_token(access_token)::text) AS pat_new_token
FROM userservice.login('authz-pat@example.com', 'pat-password-2');
SELECT pg_temp.check_as('userservice_user', userservice.verify_token(access_token)::text) AS out_new_token
FROM userservice.login('authz-out@example.com', 'out-password-1');

-- Malformed claims are refused too.
SELECT label, pg_temp.check_as(r, c) AS outcome
FROM (VALUES (1, 'user without sub', 'userservice_user', '{"role": "userservice_user", "tv": 1, "exp": 4102444800}'),
             (2, 'admin without sub', 'userservice_admin', '{"role": "userservice_admin", "tv": 1, "exp": 4102444800}'),
             (3, 'no tv claim', 'userservice_user', (:'uma_claims'::jsonb - 'tv')::text),
             (4, 'tv from the future', 'userservice_user', (:'uma_claims'::jsonb || '{"tv": 99}')::text),
             (5, 'sub not a number', 'userservice_user', '{"sub": "uma", "tv": 1, "exp": 4102444800}'),
             (6, 'sub a negative number', 'userservice_user', '{"sub": "-1", "tv": 1, "exp": 4102444800}'),
             (7, 'claims not JSON', 'userservice_user', 'not json'),
             (8, 'no exp', 'userservice_user', (:'uma_claims'::jsonb - 'exp')::text),
             (9, 'exp 1e308', 'userservice_user', (:'uma_claims'::jsonb || '{"exp": 1e308}')::text),
             (10, 'exp a string', 'userservice_user', (:'uma_claims'::jsonb || '{"exp": "4102444800"}')::text),
             (11, 'exp a fraction', 'userservice_user', (:'uma_claims'::jsonb || '{"exp": 4102444800.5}')::text),
             (12, 'exp past (beyond 30 s of skew)', 'userservice_user', (:'uma_claims'::jsonb || jsonb_build_object('exp', extract(epoch FROM now())::bigint - 31))::text),
             (13, 'nbf not a number', 'userservice_user', (:'uma_claims'::jsonb || '{"nbf": "soon"}')::text),
             (14, 'nbf in the future', 'userservice_user', (:'uma_claims'::jsonb || jsonb_build_object('nbf', extract(epoch FROM now())::bigint + 3600))::text),
             (15, 'iat not a number', 'userservice_user', (:'uma_claims'::jsonb || '{"iat": true}')::text),
             (16, 'tv not a number', 'userservice_user', (:'uma_claims'::jsonb || '{"tv": "1"}')::text),
             (17, 'exp a tiny fraction (a double rounds it whole)', 'userservice_user', (:'uma_claims'::jsonb || '{"exp": 4102444800.0000001}')::text),
             (18, 'exp whole, written with .0 (accepted)', 'userservice_user', (:'uma_claims'::jsonb || '{"exp": 4102444800.0}')::text)) v(n, label, r, c)
ORDER BY n;

-- Anonymous and trusted callers are not checked, whatever the claims say.
SELECT label, pg_temp.check_as(r, c) AS outcome
FROM (VALUES (1, 'anon, no claims', 'userservice_anon', ''),
             (2, 'anon, anon claims', 'userservice_anon', '{"role": "userservice_anon"}'),
             (3, 'trusted, deleted user''s claims', 'none', :'del_claims')) v(n, label, r, c)
ORDER BY n;

-- A role that inherits a web role is that web role, not a trusted backend:
-- a login role granted userservice_user for convenience cannot promote
-- anyone (it has no claims: 42501).
CREATE ROLE regress_authz_member IN ROLE userservice_user;
SELECT id AS member_target FROM userservice.create_user('authz-member@example.com', 'member-password', 'Member') \gset
BEGIN;
SET LOCAL ROLE regress_authz_member;
\set VERBOSITY terse
SELECT role FROM userservice.update_user(:member_target, '{"role": "admin"}');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
ROLLBACK;
SELECT role FROM userservice.get_user(:member_target);
SELECT userservice.delete_user(:member_target);
DROP ROLE regress_authz_member;

----------------------------------------------------------------------
-- Classification fails closed: a role that fits no rule is refused
----------------------------------------------------------------------

SELECT id AS victim_id FROM userservice.create_user('authz-victim@example.com', 'victim-password', 'Victim') \gset

-- A role an operator made, with EXECUTE granted but no web role: it was
-- trusted in 1.2 (read anyone, promote itself); now 42501 at every call.
CREATE ROLE regress_authz_operator;
GRANT USAGE ON SCHEMA userservice TO regress_authz_operator;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA userservice TO regress_authz_operator;
BEGIN;
SET LOCAL ROLE regress_authz_operator;
SELECT pg_temp.try(format('SELECT userservice.get_user(%s)', :victim_id)) AS get_user,
       pg_temp.try(format('SELECT userservice.update_user(%s, %L)', :victim_id, '{"role": "admin"}')) AS promote,
       pg_temp.try('SELECT userservice.list_users()') AS list_users,
       pg_temp.try('SELECT userservice.check_request()') AS check_request;
ROLLBACK;
SELECT role FROM userservice.get_user(:victim_id);

-- A NOINHERIT member of userservice_user with a direct grant: it does not
-- have the web role's privileges, so it fits no rule either.
CREATE ROLE regress_authz_noinherit NOINHERIT IN ROLE userservice_user;
GRANT USAGE ON SCHEMA userservice TO regress_authz_noinherit;
GRANT EXECUTE ON FUNCTION userservice.get_user(bigint) TO regress_authz_noinherit;
BEGIN;
SET LOCAL ROLE regress_authz_noinherit;
\set VERBOSITY terse
SELECT email FROM userservice.get_user(:victim_id);
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- A member of userservice_trusted acts without claims, as the superuser does.
CREATE ROLE regress_authz_backend IN ROLE userservice_trusted;
BEGIN;
SET LOCAL ROLE regress_authz_backend;
SELECT email FROM userservice.get_user(:victim_id);
SELECT count(*) > 0 AS lists FROM userservice.list_users();
ROLLBACK;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA userservice FROM regress_authz_operator;
REVOKE USAGE ON SCHEMA userservice FROM regress_authz_operator;
REVOKE EXECUTE ON FUNCTION userservice.get_user(bigint) FROM regress_authz_noinherit;
REVOKE USAGE ON SCHEMA userservice FROM regress_authz_noinherit;
DROP ROLE regress_authz_operator, regress_authz_noinherit, regress_authz_backend;

----------------------------------------------------------------------
-- Revocation holds at every function, not only in check_request (a front
-- door without db-pre-request, or the SQL recipe)
----------------------------------------------------------------------

SELECT id AS rev_id FROM userservice.create_user('authz-rev@example.com', 'rev-password-1', 'Rev') \gset
SELECT access_token AS rev_token FROM userservice.login('authz-rev@example.com', 'rev-password-1') \gset
SELECT userservice.verify_token(:'rev_token')::text AS rev_claims \gset
SELECT id AS rev_post FROM userservice.create_post(:rev_id, 'rev post') \gset

-- Run one statement and undo it: 'ok' or its SQLSTATE and message.
CREATE FUNCTION pg_temp.try_undone(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text;
BEGIN
    EXECUTE stmt;
    RAISE EXCEPTION 'undo' USING ERRCODE = 'U0000';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN CASE WHEN st = 'U0000' THEN 'ok' ELSE st || ': ' || msg END;
END
$$;

-- Every call a user may make, with claims as given, for one user, each
-- undone after it ran.
CREATE FUNCTION pg_temp.user_calls(claims text, self_id bigint, post_id bigint)
RETURNS TABLE (call text, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT * FROM (VALUES
            (1, 'me()', 'SELECT userservice.me()'),
            (2, 'get_user', format('SELECT userservice.get_user(%s)', self_id)),
            (3, 'update_user', format('SELECT userservice.update_user(%s, %L)', self_id, '{"display_name": "Still Me"}')),
            (4, 'logout_all', 'SELECT userservice.logout_all()'),
            (5, 'change_password', 'SELECT userservice.change_password(''rev-password-1'', ''rev-password-9'')'),
            (6, 'create_post', format('SELECT userservice.create_post(%s, %L)', self_id, 'more')),
            (7, 'get_post', format('SELECT userservice.get_post(%s)', post_id)),
            (8, 'update_post', format('SELECT userservice.update_post(%s, %L)', post_id, '{"title": "x"}')),
            (9, 'list_posts', format('SELECT count(*) FROM userservice.list_posts(%s)', self_id)),
            (10, 'delete_post', format('SELECT userservice.delete_post(%s)', post_id)),
            (11, 'check_request', 'SELECT userservice.check_request()')
        ) AS v(n, call, stmt) ORDER BY n
    LOOP
        PERFORM set_config('role', 'userservice_user', true);
        PERFORM set_config('request.jwt.claims', claims, true);
        call := c.call;
        outcome := pg_temp.try_undone(c.stmt);
        PERFORM set_config('role', 'none', true);
        RETURN NEXT;
    END LOOP;
END
$$;

-- The token is good before the password changes ...
BEGIN;
SELECT call, outcome FROM pg_temp.user_calls(:'rev_claims', :rev_id, :rev_post);
ROLLBACK;
-- ... then the password changes, and every function refuses the old claims
-- with 28000; verify_token refuses the old token too.
SELECT userservice.update_user(:rev_id, '{"password": "rev-password-2"}') IS NOT NULL AS password_changed;
BEGIN;
SELECT call, outcome FROM pg_temp.user_calls(:'rev_claims', :rev_id, :rev_post);
ROLLBACK;
SELECT userservice.verify_token(:'rev_token');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.delete_user(:rev_id);

-- The verdict is kept for the transaction only while nothing was written:
-- a logout_all inside the transaction refuses the claims at the next call.
SELECT id AS tx_id FROM userservice.create_user('authz-tx@example.com', 'tx-password-1', 'Tx') \gset
SELECT userservice.verify_token(access_token)::text AS tx_claims
FROM userservice.login('authz-tx@example.com', 'tx-password-1') \gset
BEGIN;
SELECT set_config('role', 'userservice_user', true) AS role,
       set_config('request.jwt.claims', :'tx_claims', true) IS NOT NULL AS claims_set;
SELECT id = :tx_id AS me_before FROM userservice.me();
SELECT userservice.logout_all();
SELECT pg_temp.try('SELECT userservice.me()') AS me_after;
ROLLBACK;
SELECT userservice.delete_user(:tx_id);

-- One indexed read of the caller per transaction: three calls with the same
-- claims read users once (the verdict is kept while nothing is written).
SELECT id AS once_id FROM userservice.create_user('authz-once@example.com', 'once-password-1', 'Once') \gset
SELECT userservice.verify_token(access_token)::text AS once_claims
FROM userservice.login('authz-once@example.com', 'once-password-1') \gset
BEGIN;
SELECT coalesce(idx_scan, 0) AS scans_before FROM pg_stat_xact_user_tables WHERE relid = 'userservice.users'::regclass \gset
SELECT set_config('role', 'userservice_user', true) AS role,
       set_config('request.jwt.claims', :'once_claims', true) IS NOT NULL AS claims_set;
SELECT userservice.check_request();
SELECT userservice.check_request();
SELECT userservice.check_request();
SELECT set_config('role', 'none', true) AS role;
SELECT idx_scan - :scans_before AS users_index_scans FROM pg_stat_xact_user_tables WHERE relid = 'userservice.users'::regclass;
ROLLBACK;
SELECT userservice.delete_user(:once_id);
