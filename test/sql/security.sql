-- security: the stored hash and its cost settings, a hostile search_path,
-- and what the web roles may do. Accounts here use the domain security.test.
\set VERBOSITY default

-- Load the module (its settings are defined when it loads).
SELECT email FROM userservice.create_user('sec@security.test', 'correct horse battery', 'Sec');
SELECT id AS sid FROM userservice.users WHERE email = 'sec@security.test' \gset

------------------------------------------------------------------------------
-- The stored hash: a PHC string, argon2id v19, at OWASP's floor by default.
------------------------------------------------------------------------------

-- Defaults: 2 passes, 19 MiB; superuser-only; these are also the minimums.
SHOW userservice.password_hash_iterations;
SHOW userservice.password_hash_memory;
SELECT name, setting, unit, context, min_val, boot_val
  FROM pg_settings WHERE name IN ('userservice.password_hash_iterations', 'userservice.password_hash_memory')
 ORDER BY name;

-- The hash is $argon2id$v=19$m=19456,t=2,p=1$<22 chars of salt>$<43 chars of hash>.
SELECT hashed_password ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' AS phc_argon2id,
       strpos(hashed_password, 'correct horse battery') = 0 AS password_not_stored
  FROM userservice.users WHERE id = :sid;
-- Only argon2id hashes are stored (checked again at the end of this file,
-- after the web roles' calls).
SELECT count(*) AS non_argon2id_hashes FROM userservice.users
 WHERE email ILIKE '%@security.test'
   AND hashed_password !~ '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=1\$';
-- The same password twice gives two hashes (a random salt each time).
SELECT email FROM userservice.create_user('twin@security.test', 'correct horse battery', 'Twin');
SELECT count(DISTINCT hashed_password) AS distinct_hashes
  FROM userservice.users WHERE email IN ('sec@security.test', 'twin@security.test');

-- A superuser may raise the cost: 32MB and 3 passes give m=32768,t=3 in new hashes.
SET userservice.password_hash_memory = '32MB';
SET userservice.password_hash_iterations = 3;
SHOW userservice.password_hash_memory;
SELECT email FROM userservice.create_user('costly@security.test', 'correct horse battery', 'Costly');
SELECT split_part(hashed_password, '$', 4) AS params, hashed_password LIKE '$argon2id$v=19$%' AS argon2id
  FROM userservice.users WHERE email = 'costly@security.test';
-- ... and a password patch hashes at the current cost too.
SELECT version FROM userservice.update_user(:sid, '{"password": "another good password"}');
SELECT split_part(hashed_password, '$', 4) AS params FROM userservice.users WHERE id = :sid;
-- Older hashes are left as they were.
SELECT split_part(hashed_password, '$', 4) AS params FROM userservice.users WHERE email = 'twin@security.test';
-- Back to the defaults: new hashes at m=19456,t=2 again.
RESET userservice.password_hash_memory;
RESET userservice.password_hash_iterations;
SELECT version FROM userservice.update_user(:sid, '{"password": "a third good password"}');
SELECT split_part(hashed_password, '$', 4) AS params FROM userservice.users WHERE id = :sid;
-- SET LOCAL lasts for the transaction only.
BEGIN;
SET LOCAL userservice.password_hash_iterations = 4;
SELECT email FROM userservice.create_user('local@security.test', 'correct horse battery', 'Local');
COMMIT;
SHOW userservice.password_hash_iterations;
SELECT split_part(hashed_password, '$', 4) AS params FROM userservice.users WHERE email = 'local@security.test';

-- Below the minimum is refused (22023) and the value stays as it was.
SET userservice.password_hash_iterations = 1;
\echo :LAST_ERROR_SQLSTATE
SET userservice.password_hash_iterations = 0;
\echo :LAST_ERROR_SQLSTATE
SET userservice.password_hash_memory = '18MB';
\echo :LAST_ERROR_SQLSTATE
SET userservice.password_hash_memory = 19455;
\echo :LAST_ERROR_SQLSTATE
SHOW userservice.password_hash_iterations;
SHOW userservice.password_hash_memory;
-- Exactly the minimum is accepted.
SET userservice.password_hash_memory = 19456;
SHOW userservice.password_hash_memory;
RESET userservice.password_hash_memory;
-- Any other name under the prefix is refused: the prefix is reserved.
SET userservice.no_such_setting = 1;
\echo :LAST_ERROR_SQLSTATE

-- A role that is not superuser cannot change the cost, by SET or set_config (42501).
CREATE ROLE regress_userservice_plain NOLOGIN;
SET ROLE regress_userservice_plain;
SET userservice.password_hash_iterations = 3;
\echo :LAST_ERROR_SQLSTATE
SET userservice.password_hash_memory = '64MB';
\echo :LAST_ERROR_SQLSTATE
SELECT set_config('userservice.password_hash_iterations', '5', false);
\echo :LAST_ERROR_SQLSTATE
-- It may still read them.
SHOW userservice.password_hash_iterations;
RESET ROLE;
-- Nor can a web role.
SET ROLE userservice_anon;
SET userservice.password_hash_iterations = 2;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_userservice_plain;
SHOW userservice.password_hash_iterations;

------------------------------------------------------------------------------
-- A hostile search_path cannot redirect the extension's queries: every
-- function pins search_path = pg_catalog, pg_temp and is SECURITY DEFINER.
------------------------------------------------------------------------------

SELECT proname, prosecdef, proconfig
  FROM pg_proc WHERE pronamespace = 'userservice'::regnamespace AND proname IN ('create_user', 'get_user', 'get_user_by_email', 'update_user', 'delete_user')
 ORDER BY proname;
-- The same rule for every SECURITY DEFINER function in the schema.
SELECT count(*) AS definer_functions_without_pinned_path
  FROM pg_proc
 WHERE pronamespace = 'userservice'::regnamespace AND prosecdef
   AND NOT coalesce(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);

CREATE SCHEMA evil;
-- A look-alike table holding a decoy with the same id as sec@security.test.
CREATE TABLE evil.users AS SELECT * FROM userservice.users WITH NO DATA;
INSERT INTO evil.users (id, email, hashed_password, display_name, is_active, role, version, created_at, updated_at)
VALUES (:sid, 'decoy@evil.test', 'x', 'Decoy', false, 'admin', 99, '2000-01-01', '2000-01-01');
-- lower() that makes every email look the same.
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'same' $$;
-- now() in the past, char_length() of zero.
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION evil.char_length(text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 0 $$;
-- = that is always true on bigint and on text; <> that is always false on bigint.
CREATE FUNCTION evil.always_true(bigint, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT true $$;
CREATE FUNCTION evil.always_true(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT true $$;
CREATE FUNCTION evil.always_false(bigint, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT false $$;
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.always_true);
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.always_true);
CREATE OPERATOR evil.<> (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.always_false);
-- + on integers that adds 100 (the version bump).
CREATE FUNCTION evil.plus100(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT $1 OPERATOR(pg_catalog.+) $2 OPERATOR(pg_catalog.+) 100 $$;
CREATE OPERATOR evil.+ (LEFTARG = integer, RIGHTARG = integer, FUNCTION = evil.plus100);
-- A new session, so that every statement the extension prepares is planned
-- while the hostile search_path is in force.
\c -
-- A temporary table of the same name too.
CREATE TEMP TABLE users AS SELECT * FROM evil.users;
-- The look-alikes work for a caller who uses them (the trap is armed).
SET search_path = evil, pg_catalog, public;
SELECT lower('ABC') AS evil_lower, (1::bigint = 2::bigint) AS evil_eq, 1 + 1 AS evil_plus, count(*) AS evil_users FROM users;
RESET search_path;

SELECT version AS v, version + 3 AS v3 FROM userservice.users WHERE id = :sid \gset
SELECT count(*) AS n_before FROM userservice.users \gset

-- 1. evil before an explicit pg_catalog: evil's lower, =, <>, + and now()
-- would win for any unqualified name. These are the first calls of this
-- session, so the extension's statements are prepared now.
SET search_path = evil, pg_catalog, public;
SELECT email, display_name, is_active, role FROM userservice.get_user(:sid);
SELECT email, display_name FROM userservice.get_user_by_email('SEC@security.test');
SELECT email, version FROM userservice.create_user('evil.one@security.test', 'password123', 'One');
SELECT display_name, version FROM userservice.update_user(:sid, '{"display_name": "Sec One"}');
SELECT * FROM userservice.create_user('Sec@Security.Test', 'password123', 'Dup');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user_by_email('nobody@security.test');
\echo :LAST_ERROR_SQLSTATE
RESET search_path;

-- 2. evil first, pg_catalog implicitly searched before it.
SET search_path = evil, public;
SELECT email, display_name, is_active, role FROM userservice.get_user(:sid);
SELECT email, display_name FROM userservice.get_user_by_email('sec@SECURITY.TEST');
SELECT email, version FROM userservice.create_user('evil.two@security.test', 'password123', 'Two');
SELECT display_name, version FROM userservice.update_user(:sid, '{"display_name": "Sec Two"}');
SELECT email, version FROM userservice.update_user(:sid, '{"email": "Sec@Security.Test"}');
SELECT * FROM userservice.update_user(:sid, '{"email": "evil.one@security.test"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user_by_email('nobody@security.test');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.delete_user(u.id) FROM userservice.get_user_by_email('evil.two@security.test') u;
RESET search_path;

-- 3. pg_temp first, then evil, then pg_catalog.
SET search_path = pg_temp, evil, pg_catalog, public;
SELECT email, display_name, version FROM userservice.get_user(:sid);
SELECT email, version FROM userservice.create_user('evil.three@security.test', 'password123', 'Three');
SELECT display_name, version FROM userservice.update_user(:sid, '{"display_name": "Sec Three"}', :v3);
SELECT userservice.delete_user(u.id) FROM userservice.get_user_by_email('evil.three@security.test') u;
RESET search_path;

-- After all that: exactly one row more (evil.one), the decoys untouched, every
-- version bump was + 1 (4 changes), timestamps came from the real now(),
-- the new emails are stored as given and nothing else was deleted.
SELECT count(*) - :n_before AS rows_added FROM userservice.users;
SELECT email, display_name, version - :v AS bumps, updated_at > '2001-01-01' AS real_now
  FROM userservice.users WHERE email ILIKE 'sec@security.test';
SELECT email, version, created_at > '2001-01-01' AS real_now
  FROM userservice.users WHERE email LIKE 'evil.%' ORDER BY email;
SELECT email, display_name, version FROM evil.users;
SELECT email, display_name, version FROM pg_temp.users;
DROP TABLE pg_temp.users;
DROP SCHEMA evil CASCADE;

------------------------------------------------------------------------------
-- Web roles: NOLOGIN; anon and admin may create, admin may do everything,
-- user (from 1.1) get_user and update_user on its own id only; no web role
-- reads the table.
------------------------------------------------------------------------------

SELECT rolname, rolcanlogin, rolsuper, rolinherit
  FROM pg_roles WHERE rolname IN ('userservice_anon', 'userservice_user', 'userservice_admin')
 ORDER BY rolname;
SELECT r.rolname, p.proname, has_function_privilege(r.oid, p.oid, 'EXECUTE') AS can_execute
  FROM pg_roles r, pg_proc p
 WHERE r.rolname IN ('userservice_anon', 'userservice_user', 'userservice_admin')
   AND p.pronamespace = 'userservice'::regnamespace AND p.proname IN ('create_user', 'get_user', 'get_user_by_email', 'update_user', 'delete_user')
 ORDER BY r.rolname, p.proname;
SELECT r.rolname,
       has_table_privilege(r.oid, 'userservice.users', 'SELECT') AS can_select,
       has_table_privilege(r.oid, 'userservice.users', 'INSERT, UPDATE, DELETE, TRUNCATE') AS can_write,
       has_sequence_privilege(r.oid, 'userservice.users_id_seq', 'USAGE, SELECT, UPDATE') AS can_use_sequence
  FROM pg_roles r
 WHERE r.rolname IN ('userservice_anon', 'userservice_user', 'userservice_admin')
 ORDER BY r.rolname;
-- PUBLIC has no EXECUTE on any function of the schema: a fresh role can call none.
CREATE ROLE regress_userservice_nobody NOLOGIN;
SELECT count(*) AS functions, count(*) FILTER (WHERE has_function_privilege('regress_userservice_nobody', p.oid, 'EXECUTE')) AS executable_by_public
  FROM pg_proc p WHERE p.pronamespace = 'userservice'::regnamespace AND p.proname IN ('create_user', 'get_user', 'get_user_by_email', 'update_user', 'delete_user');
SELECT count(*) AS executable_by_public_any_version
  FROM pg_proc p WHERE p.pronamespace = 'userservice'::regnamespace
   AND has_function_privilege('regress_userservice_nobody', p.oid, 'EXECUTE');
SET ROLE regress_userservice_nobody;
SELECT * FROM userservice.get_user(0);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_userservice_nobody;

-- userservice_user: no table; get_user and update_user refuse another
-- user's id (this role has no sub claim here, so every id is another's).
-- Terse: the DETAIL names an id that depends on earlier files.
SET ROLE userservice_user;
SELECT count(*) FROM userservice.users;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
SELECT * FROM userservice.get_user(:sid);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user_by_email('sec@security.test');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('user.made@security.test', 'password123', 'User');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:sid, '{"role": "admin"}');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT userservice.delete_user(:sid);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- userservice_anon: may sign up (create_user), nothing else.
SET ROLE userservice_anon;
SELECT email, role, version FROM userservice.create_user('anon.made@security.test', 'password123', 'Anon');
SELECT count(*) FROM userservice.users;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user(:sid);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user_by_email('anon.made@security.test');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:sid, '{"role": "admin"}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.delete_user(:sid);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- userservice_admin (with an admin's claims): every function, but still not the table.
SELECT id AS sec_admin FROM userservice.create_user('admin-of-security@security.test', 'password123', 'Admin') \gset
SELECT role FROM userservice.update_user(:sec_admin, '{"role": "admin"}');
SELECT set_config('request.jwt.claims', json_build_object('sub', id::text, 'tv', token_version, 'exp', 4102444800)::text, false) IS NOT NULL AS signed_in_as_admin
  FROM userservice.users WHERE id = :sec_admin;
SET ROLE userservice_admin;
SELECT email FROM userservice.create_user('admin.made@security.test', 'password123', 'Admin Made');
SELECT email FROM userservice.get_user(:sid);
SELECT email, display_name FROM userservice.get_user_by_email('ADMIN.MADE@security.test');
SELECT display_name FROM userservice.update_user((userservice.get_user_by_email('admin.made@security.test')).id, '{"display_name": "Renamed"}');
SELECT userservice.delete_user((userservice.get_user_by_email('admin.made@security.test')).id);
SELECT count(*) FROM userservice.users;
\echo :LAST_ERROR_SQLSTATE
SELECT hashed_password FROM userservice.users;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- Every hash this file stored, whoever's call stored it, is argon2id.
SELECT count(*) AS security_rows, count(*) FILTER (WHERE hashed_password !~ '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=1\$') AS non_argon2id_hashes
  FROM userservice.users WHERE email ILIKE '%@security.test';
-- What the web roles did is in the table, and nothing they were refused.
SELECT email, display_name, role, version FROM userservice.users
 WHERE email ILIKE '%made@security.test' OR email ILIKE 'sec@security.test'
 ORDER BY email;

------------------------------------------------------------------------------
-- userservice.max_concurrent_hashes: superuser-only; with a cap, hashing
-- takes a slot (a session-level advisory lock) and gives it back at once,
-- also when the call fails; the default is 8 (0 would be no cap).
------------------------------------------------------------------------------
SHOW userservice.max_concurrent_hashes;
SET userservice.max_concurrent_hashes = 1;
SELECT email FROM userservice.create_user('capped@security.test', 'password123', 'Capped');
SELECT count(*) AS slots_held FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
SELECT email FROM userservice.create_user('capped@security.test', 'password123', 'Capped');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS slots_held_after_error FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
RESET userservice.max_concurrent_hashes;
CREATE ROLE regress_userservice_cap NOLOGIN;
SET ROLE regress_userservice_cap;
SET userservice.max_concurrent_hashes = 5;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_userservice_cap;
SELECT userservice.delete_user(id) FROM userservice.get_user_by_email('capped@security.test');

------------------------------------------------------------------------------
-- A C entry point declared with the wrong result type (an install script and
-- the .so out of step) is an error, not a row built from the wrong columns.
------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.mismatched_login(email text, password text) RETURNS userservice.post
AS '$libdir/userservice', 'us_login_1_3' LANGUAGE C;
SELECT length(userservice.create_signing_key('HS256')) AS kid_length;
SELECT userservice.create_user('mismatch@security.test', 'password123', 'M') IS NOT NULL AS created;
SELECT * FROM pg_temp.mismatched_login('mismatch@security.test', 'password123');
SELECT userservice.delete_user(id) FROM userservice.get_user_by_email('mismatch@security.test');

------------------------------------------------------------------------------
-- A function that takes a password or a secret refuses a read-only
-- transaction (PostgREST runs every GET read-only, and a GET carries its
-- arguments in the URL) before it checks, hashes or counts anything: 25006,
-- which PostgREST answers 405. Each call is made as the superuser, whom no
-- other rule refuses.
------------------------------------------------------------------------------
SELECT id AS ro_id FROM userservice.create_user('readonly@security.test', 'password123', 'R') \gset
SELECT version AS ro_version, hashed_password AS ro_hash FROM userservice.users WHERE id = :ro_id \gset
\i test/sql/helpers.psql
BEGIN READ ONLY;
SELECT f, pg_temp.error_of(stmt, jsonb_build_object('id', :ro_id)) AS outcome FROM (VALUES
  ('login', $$SELECT userservice.login('readonly@security.test', 'password123')$$),
  ('create_user', $$SELECT userservice.create_user('readonly2@security.test', 'password123', 'R')$$),
  ('update_user', format($$SELECT userservice.update_user(%s, '{"password": "password456"}')$$, :ro_id)),
  ('change_password', $$SELECT userservice.change_password('password123', 'password456')$$),
  ('import_users', $$SELECT userservice.import_users('[{"email": "readonly3@security.test", "display_name": "R", "password": "password123"}]')$$),
  ('create_signing_key', $$SELECT userservice.create_signing_key('HS256')$$)) AS t(f, stmt);
COMMIT;
-- Nothing happened: no account, the same hash and version, nothing counted.
SELECT count(*) AS new_accounts FROM userservice.users WHERE email LIKE 'readonly_@security.test';
SELECT version = :ro_version AND hashed_password = :'ro_hash' AS unchanged FROM userservice.users WHERE id = :ro_id;
SELECT count(*) AS counted FROM userservice.login_attempts('readonly@security.test');
-- A read-only transaction still reads: get_user works.
BEGIN READ ONLY;
SELECT email FROM userservice.get_user(:ro_id);
COMMIT;
SELECT userservice.delete_user(:ro_id);
