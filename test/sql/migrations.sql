-- migrations: ALTER EXTENSION userservice UPDATE [TO] down and up again with
-- data in the tables, inside the regression database: 1.3 -> 1.2 drops the
-- signing keys and the login throttle and keeps users; 1.2 -> 1.1 drops
-- posts and keeps users; 1.1 -> 1.0 drops login and lockout (token_version
-- and login_failures) and keeps users; back up everything works again and
-- the extension is the same set of objects, definitions and grants. The file
-- ends at 1.3 for the files that run after it. Its accounts are
-- migrations-*@example.com; ids, hashes and timestamps are never printed.
\set VERBOSITY default

-- members() lists the extension's member objects.
CREATE FUNCTION pg_temp.members() RETURNS TABLE (type text, identity text) LANGUAGE sql AS $$
    SELECT o.type, o.identity
      FROM pg_depend d, pg_identify_object(d.classid, d.objid, d.objsubid) o
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
       AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'userservice')
$$;
-- functions() is every function of the extension with its definition,
-- volatility, security, settings and grants, as text.
CREATE FUNCTION pg_temp.functions() RETURNS TABLE (signature text, definition text) LANGUAGE sql AS $$
    SELECT p.oid::regprocedure::text,
           concat_ws(' | ', pg_get_functiondef(p.oid), obj_description(p.oid, 'pg_proc'),
                     (SELECT string_agg(a.grantee::regrole::text || ':' || a.privilege_type, ',' ORDER BY 1)
                        FROM aclexplode(p.proacl) a))
      FROM pg_proc p WHERE p.pronamespace = 'userservice'::regnamespace
$$;
-- config_tables() is what pg_dump will dump the rows of: the names of the
-- tables registered with pg_extension_config_dump, and how many entries name
-- no relation at all.
CREATE FUNCTION pg_temp.config_tables() RETURNS TABLE (tables text, dangling bigint) LANGUAGE sql AS $$
    SELECT string_agg(c.relname, ', ' ORDER BY c.relname), count(*) FILTER (WHERE c.oid IS NULL)
      FROM pg_extension e CROSS JOIN unnest(e.extconfig) x(oid) LEFT JOIN pg_class c ON c.oid = x.oid
     WHERE e.extname = 'userservice'
$$;

-- The installed version, the versions there are, and the update paths.
SELECT extversion FROM pg_extension WHERE extname = 'userservice';
SELECT version FROM pg_available_extension_versions WHERE name = 'userservice' ORDER BY version;
SELECT source, target, path FROM pg_extension_update_paths('userservice')
 WHERE path IS NOT NULL ORDER BY source, target;

-- Data: an account with a password (for login), two imported ones, and posts.
SELECT email FROM userservice.create_user('migrations-ann@example.com', 'correct horse battery', 'Ann');
SELECT created FROM userservice.import_users(jsonb_build_array(
    jsonb_build_object('email', 'migrations-bob@example.com', 'display_name', 'Bob',
                       'password_hash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    jsonb_build_object('email', 'migrations-cat@example.com', 'display_name', 'Cat',
                       'password_hash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
SELECT id AS ann FROM userservice.users WHERE email = 'migrations-ann@example.com' \gset
SELECT id AS bob FROM userservice.users WHERE email = 'migrations-bob@example.com' \gset
SELECT version FROM userservice.update_user(:bob, '{"is_active": false}');
SELECT title FROM userservice.create_post(:ann, 'Ann before the downgrade');
SELECT title FROM userservice.create_post(:ann, 'Ann again');
SELECT title FROM userservice.create_post(:bob, 'Bob before the downgrade');
SELECT count(*) AS my_posts FROM userservice.posts p JOIN userservice.users u ON u.id = p.author_id
 WHERE u.email LIKE 'migrations-%@example.com';
------------------------------------------------------------------------------
-- 1.3 -> 1.2: the signing keys and the login throttle are dropped (the
-- script says so), login_failures comes back empty, users stay.
------------------------------------------------------------------------------

CREATE TEMP TABLE members_13 AS SELECT * FROM pg_temp.members();
CREATE TEMP TABLE functions_13 AS SELECT * FROM pg_temp.functions();
CREATE TEMP TABLE users_13 AS SELECT * FROM userservice.users;
SELECT * FROM pg_temp.config_tables();
ALTER EXTENSION userservice UPDATE TO '1.2';
SELECT extversion FROM pg_extension WHERE extname = 'userservice';
-- What 1.2 lacks of 1.3, and what it has that 1.3 has not.
SELECT type, identity FROM members_13 EXCEPT SELECT * FROM pg_temp.members() ORDER BY type, identity;
SELECT type, identity FROM pg_temp.members() EXCEPT SELECT * FROM members_13 ORDER BY type, identity;
SELECT * FROM pg_temp.config_tables();
SELECT count(*) AS users_changed FROM users_13 b FULL JOIN userservice.users u USING (id)
 WHERE row(b.*) IS DISTINCT FROM row(u.*);
SELECT count(*) AS login_failures FROM userservice.login_failures;
-- 1.2's entry points again: login signs with the setting.
SELECT prosrc FROM pg_proc WHERE oid = 'userservice.login(text, text)'::regprocedure;
SELECT userservice.login('migrations-ann@example.com', 'correct horse battery');
\echo :LAST_ERROR_SQLSTATE
SET userservice.jwt_secret = 'migrations-test-secret-0123456789-0123456789';
SELECT token_type FROM userservice.login('migrations-ann@example.com', 'correct horse battery');
RESET userservice.jwt_secret;

-- Snapshots of 1.2: every user (of every file), the member objects, the functions.
CREATE TEMP TABLE users_before AS SELECT * FROM userservice.users;
-- users_changed() counts the users whose row differs from the snapshot
-- (every column of 1.0's users table), or that appeared or disappeared.
CREATE FUNCTION pg_temp.users_changed() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM users_before b FULL JOIN userservice.users u USING (id)
     WHERE (b.email, b.hashed_password, b.display_name, b.is_active, b.role, b.version, b.created_at, b.updated_at)
           IS DISTINCT FROM (u.email, u.hashed_password, u.display_name, u.is_active, u.role, u.version, u.created_at, u.updated_at)
$$;
CREATE TEMP TABLE members_12 AS SELECT * FROM pg_temp.members();
CREATE TEMP TABLE functions_12 AS SELECT * FROM pg_temp.functions();
SELECT count(*) > 0 AS has_members, (SELECT count(*) FROM functions_12) > 0 AS has_functions FROM members_12;
SELECT * FROM pg_temp.config_tables();

------------------------------------------------------------------------------
-- A migration is transactional: rolled back, it never happened.
------------------------------------------------------------------------------

BEGIN;
ALTER EXTENSION userservice UPDATE TO '1.1';
SELECT extversion, to_regclass('userservice.posts') IS NULL AS posts_dropped
  FROM pg_extension WHERE extname = 'userservice';
ROLLBACK;
SELECT extversion, to_regclass('userservice.posts') IS NOT NULL AS posts_exist
  FROM pg_extension WHERE extname = 'userservice';
SELECT count(*) AS my_posts FROM userservice.posts p JOIN userservice.users u ON u.id = p.author_id
 WHERE u.email LIKE 'migrations-%@example.com';

------------------------------------------------------------------------------
-- 1.2 -> 1.1: posts are dropped (with every post: the script says so), users stay.
------------------------------------------------------------------------------

ALTER EXTENSION userservice UPDATE TO '1.1';
SELECT extversion FROM pg_extension WHERE extname = 'userservice';
-- What 1.1 lacks of 1.2, and nothing new.
SELECT type, identity FROM members_12 EXCEPT SELECT * FROM pg_temp.members() ORDER BY type, identity;
SELECT count(*) AS new_objects FROM (SELECT * FROM pg_temp.members() EXCEPT SELECT * FROM members_12) n;
SELECT to_regclass('userservice.posts') AS posts, to_regtype('userservice.post') AS post_type,
       to_regprocedure('userservice.create_post(bigint, text, text)') AS create_post;
-- The posts table is no longer registered for pg_dump, and nothing dangles.
SELECT * FROM pg_temp.config_tables();
-- Every user is still there, unchanged.
SELECT pg_temp.users_changed() AS users_changed;
-- 1.1's functions work: login with the password set under 1.2, list_users.
SET userservice.jwt_secret = 'migrations-test-secret-0123456789-0123456789';
SELECT token_type FROM userservice.login('migrations-ann@example.com', 'correct horse battery');
SELECT count(*) AS mine FROM userservice.list_users(1000, :ann - 1) WHERE email LIKE 'migrations-%@example.com';
-- The post functions are gone: 42883.
SELECT userservice.create_post(-1, 'At 1.1');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users_with_posts();
\echo :LAST_ERROR_SQLSTATE

------------------------------------------------------------------------------
-- 1.1 -> 1.0: login, tokens and lockout are dropped, users stay.
------------------------------------------------------------------------------

ALTER EXTENSION userservice UPDATE TO '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'userservice';
-- What 1.0 lacks of 1.2, and nothing new.
SELECT type, identity FROM members_12 EXCEPT SELECT * FROM pg_temp.members() ORDER BY type, identity;
SELECT count(*) AS new_objects FROM (SELECT * FROM pg_temp.members() EXCEPT SELECT * FROM members_12) n;
-- users has lost token_version, and nothing else.
SELECT attname FROM pg_attribute WHERE attrelid = 'userservice.users'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
SELECT * FROM pg_temp.config_tables();
SELECT pg_temp.users_changed() AS users_changed;
-- login() is gone: 42883.
SELECT userservice.login('migrations-ann@example.com', 'correct horse battery');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users();
\echo :LAST_ERROR_SQLSTATE
-- 1.0's functions work, with 1.0's entry points and grants.
SELECT email, display_name FROM userservice.get_user(:ann);
SELECT display_name, version FROM userservice.update_user(:ann, '{"display_name": "Ann at 1.0"}');
SELECT email FROM userservice.create_user('migrations-dan@example.com', 'correct horse battery', 'Dan');
SELECT prosrc FROM pg_proc WHERE oid = 'userservice.update_user(bigint, jsonb, integer)'::regprocedure;
SELECT has_function_privilege('userservice_user', 'userservice.get_user(bigint)', 'EXECUTE') AS user_may_get_user;
-- The snapshot follows the two changes made at 1.0.
DELETE FROM users_before WHERE id = :ann;
INSERT INTO users_before SELECT u.*, 1 FROM userservice.users u
 WHERE u.email IN ('migrations-ann@example.com', 'migrations-dan@example.com');
SELECT pg_temp.users_changed() AS users_changed;

------------------------------------------------------------------------------
-- 1.0 -> 1.2 in one command (two steps): everything is back and works.
------------------------------------------------------------------------------

ALTER EXTENSION userservice UPDATE TO '1.2';
SELECT extversion FROM pg_extension WHERE extname = 'userservice';
-- The same objects, function definitions, comments and grants as before the round trip.
SELECT count(*) AS missing_objects FROM (SELECT * FROM members_12 EXCEPT SELECT * FROM pg_temp.members()) m;
SELECT count(*) AS new_objects FROM (SELECT * FROM pg_temp.members() EXCEPT SELECT * FROM members_12) n;
SELECT signature FROM (SELECT * FROM functions_12 EXCEPT SELECT * FROM pg_temp.functions()) f ORDER BY 1;
SELECT signature FROM (SELECT * FROM pg_temp.functions() EXCEPT SELECT * FROM functions_12) f ORDER BY 1;
-- Registered for pg_dump again: users, posts, login_failures and their sequences, once each.
SELECT * FROM pg_temp.config_tables();
SELECT count(*) = count(DISTINCT x) AS no_duplicates
  FROM pg_extension e CROSS JOIN unnest(e.extconfig) x WHERE e.extname = 'userservice';
-- Users: unchanged, and token_version is back at 1 for everyone.
SELECT pg_temp.users_changed() AS users_changed;
SELECT count(*) FILTER (WHERE token_version = 1) = count(*) AS token_version_1 FROM userservice.users;
-- The posts table is back, empty: the downgrade dropped the posts.
SELECT count(*) AS posts FROM userservice.posts;
-- Every area works again, in this same session (cached plans included):
-- posts ...
SELECT title FROM userservice.create_post(:ann, 'Ann after the upgrade');
SELECT title FROM userservice.list_posts(:ann);
SELECT email, jsonb_array_length(posts) AS posts FROM userservice.list_users_with_posts(2, :ann - 1);
-- ... login with the password set before the round trip, and the user's own writes ...
SELECT token_type FROM userservice.login('migrations-ann@example.com', 'correct horse battery');
SET ROLE userservice_user;
SELECT set_config('request.jwt.claims', format('{"sub": "%s", "tv": 1, "exp": 4102444800}', :ann), false) IS NOT NULL AS signed_in;
SELECT title FROM userservice.create_post(:ann, 'Ann as a user after the upgrade');
SELECT email FROM userservice.me();
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) AS claims_cleared;
RESET userservice.jwt_secret;
-- ... import ...
SELECT created FROM userservice.import_users(jsonb_build_array(
    jsonb_build_object('email', 'migrations-eve@example.com', 'display_name', 'Eve',
                       'password_hash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
-- ... and deletion with the author.
SELECT pg_typeof(userservice.delete_user(:ann)) AS deleted;
SELECT count(*) AS ann_posts FROM userservice.posts WHERE author_id = :ann;

------------------------------------------------------------------------------
-- 1.2 -> 1.0 in one command, then UPDATE without TO: the default version.
------------------------------------------------------------------------------

SELECT title FROM userservice.create_post(:bob, 'Bob before the second downgrade');
ALTER EXTENSION userservice UPDATE TO '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'userservice';
SELECT to_regclass('userservice.posts') AS posts, to_regclass('userservice.login_failures') AS login_failures;
ALTER EXTENSION userservice UPDATE;
SELECT e.extversion, e.extversion = a.default_version AS is_default
  FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname WHERE e.extname = 'userservice';
SELECT count(*) AS missing_objects FROM (SELECT * FROM members_13 EXCEPT SELECT * FROM pg_temp.members()) m;
SELECT count(*) AS new_objects FROM (SELECT * FROM pg_temp.members() EXCEPT SELECT * FROM members_13) n;
SELECT count(*) AS changed_functions FROM (SELECT * FROM functions_13 EXCEPT SELECT * FROM pg_temp.functions()) f;
-- No signing key survived the round trip: a superuser makes one again.
SELECT count(*) AS signing_keys FROM userservice.signing_keys;
SELECT * FROM pg_temp.config_tables();
SELECT count(*) AS posts FROM userservice.posts;

------------------------------------------------------------------------------
-- Already there, and nowhere to go.
------------------------------------------------------------------------------

-- Updating to the installed version does nothing (a NOTICE).
ALTER EXTENSION userservice UPDATE TO '1.3';
-- A version without a script: 22023, and nothing changes.
ALTER EXTENSION userservice UPDATE TO '9.9';
\echo :LAST_ERROR_SQLSTATE
SELECT extversion FROM pg_extension WHERE extname = 'userservice';

-- A signing key for the files that run after this one.
SELECT length(userservice.create_signing_key('HS256')) AS kid_length;
