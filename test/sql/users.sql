-- users: create, get, get_by_email and delete; case-insensitive uniqueness;
-- not found; required arguments; what the API returns; catalog facts.
-- Every account here uses the domain users.test. Ids are never printed: they
-- depend on the files that ran before this one.
\set VERBOSITY default

\i test/sql/helpers.psql

SELECT count(*) AS rows_at_start FROM userservice.users \gset

-- create_user returns the new account: role 'user', version 1, active, the
-- email and display_name as given (letter case kept).
SELECT email, display_name, is_active, role, version, id > 0 AS has_id,
       created_at = updated_at AS fresh
  FROM userservice.create_user('Ann.Lee@Users.Test', 'correct horse', 'Ann Lee');
SELECT id AS ann_id FROM userservice.users WHERE email = 'Ann.Lee@Users.Test' \gset

-- created_at and updated_at are set by the database, in the caller's transaction.
BEGIN;
SELECT email, created_at = now() AS created_now, updated_at = now() AS updated_now
  FROM userservice.create_user('bob@users.test', 'hunter2hunter2', 'Bob');
COMMIT;
SELECT id AS bob_id FROM userservice.users WHERE email = 'bob@users.test' \gset

-- The caller's transaction is the unit of work: a rolled-back create leaves nothing.
BEGIN;
SELECT email FROM userservice.create_user('rolled.back@users.test', 'password123', 'Gone');
ROLLBACK;
SELECT count(*) AS rolled_back_rows FROM userservice.users WHERE email = 'rolled.back@users.test';

-- get_user returns the same row as the table holds, without the hash.
SELECT email, display_name, is_active, role, version FROM userservice.get_user(:ann_id);
SELECT g.id = u.id AND g.email = u.email AND g.display_name = u.display_name
       AND g.is_active = u.is_active AND g.role = u.role AND g.version = u.version
       AND g.created_at = u.created_at AND g.updated_at = u.updated_at AS get_matches_table
  FROM userservice.get_user(:ann_id) g, userservice.users u
 WHERE u.id = :ann_id;

-- get_user_by_email finds the account by the spelling it was created with and
-- by any other letter case; all spellings return the same row.
SELECT id = :ann_id AS same_account, email FROM userservice.get_user_by_email('Ann.Lee@Users.Test');
SELECT id = :ann_id AS same_account, email FROM userservice.get_user_by_email('ann.lee@users.test');
SELECT id = :ann_id AS same_account, email FROM userservice.get_user_by_email('ANN.LEE@USERS.TEST');
SELECT userservice.get_user_by_email('aNN.lEE@uSERS.tEST') = userservice.get_user(:ann_id) AS same_row;

-- A second account with the same email in another letter case is 23505, and
-- no row is written.
SELECT count(*) AS n_before FROM userservice.users \gset
SELECT * FROM userservice.create_user('ann.lee@users.test', 'other password', 'Ann Two');
\echo :LAST_ERROR_SQLSTATE
-- ... and in the same letter case too.
SELECT * FROM userservice.create_user('Ann.Lee@Users.Test', 'other password', 'Ann Three');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('BOB@USERS.TEST', 'other password', 'Bob Two');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) - :n_before AS rows_added FROM userservice.users;
-- Letter case beyond ASCII: É and é are the same letter. NOTE: lower() follows
-- the database's LC_CTYPE; this holds in the C.UTF-8 databases the suites
-- use, but in a database created with LC_CTYPE=C these become two accounts
-- (reported as a doubtful behaviour).
SELECT email FROM userservice.create_user('Émile@Users.Test', 'password123', 'Émile');
SELECT count(*) AS n_before FROM userservice.users \gset
SELECT * FROM userservice.create_user('émile@users.test', 'password123', 'Émile Two');
\echo :LAST_ERROR_SQLSTATE
SELECT email FROM userservice.get_user_by_email('ÉMILE@USERS.TEST');
SELECT count(*) - :n_before AS rows_added FROM userservice.users;
-- The original account is untouched by the refused duplicates.
SELECT email, display_name, version FROM userservice.get_user(:ann_id);

-- Not found is PT404 (never P0002), for an id and for an email.
SELECT * FROM userservice.get_user(9223372036854775807);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user(0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user_by_email('nobody@users.test');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.delete_user(9223372036854775807);
\echo :LAST_ERROR_SQLSTATE
-- get_user_by_email looks up, it does not validate: a malformed email is just not found.
SELECT * FROM userservice.get_user_by_email('not an email');
\echo :LAST_ERROR_SQLSTATE

-- A NULL argument is 22023 naming the parameter; nothing is written.
SELECT count(*) AS n_before FROM userservice.users \gset
SELECT * FROM userservice.create_user(NULL, 'password123', 'No Email');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('null.pw@users.test', NULL, 'No Password');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('null.name@users.test', 'password123', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.get_user_by_email(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.delete_user(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) - :n_before AS rows_added FROM userservice.users;

-- A failed call leaves no row: an invalid create writes nothing.
SELECT * FROM userservice.create_user('bad email', 'password123', 'Bad');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('short.pw@users.test', 'short', 'Short');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) - :n_before AS rows_added FROM userservice.users;

-- The result never contains the hash: the composite has exactly these
-- columns, and no returned value looks like a PHC string.
SELECT attnum, attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'userservice.user_profile'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;
SELECT p.proname, pg_get_function_result(p.oid) AS returns
  FROM pg_proc p
 WHERE p.pronamespace = 'userservice'::regnamespace AND p.proname IN ('create_user', 'get_user', 'get_user_by_email', 'update_user', 'delete_user')
 ORDER BY p.proname;
SELECT to_jsonb(g) ? 'hashed_password' AS has_hash_key,
       to_jsonb(g)::text LIKE '%$argon2id$%' AS leaks_hash,
       to_jsonb(g)::text LIKE '%correct horse%' AS leaks_password
  FROM userservice.get_user(:ann_id) g;
SELECT to_jsonb(g)::text LIKE '%$argon2id$%' AS leaks_hash
  FROM userservice.get_user_by_email('ann.lee@users.test') g;

-- delete_user returns void, removes exactly that row, and the account is gone
-- for every reader.
SELECT count(*) AS n_before FROM userservice.users \gset
SELECT userservice.delete_user(:bob_id) AS deleted;
SELECT pg_get_function_result('userservice.delete_user(bigint)'::regprocedure) AS delete_returns;
SELECT :n_before - count(*) AS rows_removed FROM userservice.users;
SELECT count(*) AS bob_rows FROM userservice.users WHERE id = :bob_id;
SELECT pg_temp.error_of(format('SELECT userservice.get_user(%s)', :bob_id), jsonb_build_object('id', :bob_id)) AS get_deleted;
SELECT pg_temp.error_of(format('SELECT userservice.delete_user(%s)', :bob_id), jsonb_build_object('id', :bob_id)) AS delete_again;
SELECT * FROM userservice.get_user_by_email('bob@users.test');
\echo :LAST_ERROR_SQLSTATE
-- Ann is still there.
SELECT email FROM userservice.get_user(:ann_id);

-- A deleted email is free again; the new account gets a new id.
SELECT email, version, id <> :bob_id AS new_id
  FROM userservice.create_user('Bob@Users.Test', 'hunter2hunter2', 'Bob Again');

-- Every function has a COMMENT (PostgREST's OpenAPI summary is its first line);
-- so do the table and the result type. Catalog listings name the five 1.0
-- functions, so that later versions' additions do not change them; the
-- "without comment" count covers every function in the schema.
SELECT p.oid::regprocedure AS function,
       split_part(obj_description(p.oid, 'pg_proc'), E'\n', 1) AS summary
  FROM pg_proc p
 WHERE p.pronamespace = 'userservice'::regnamespace AND p.proname IN ('create_user', 'get_user', 'get_user_by_email', 'update_user', 'delete_user')
 ORDER BY p.proname;
SELECT count(*) AS functions_without_comment
  FROM pg_proc p
 WHERE p.pronamespace = 'userservice'::regnamespace
   AND coalesce(obj_description(p.oid, 'pg_proc'), '') = '';
SELECT obj_description('userservice.users'::regclass, 'pg_class') IS NOT NULL AS table_commented,
       obj_description('userservice.user_profile'::regtype, 'pg_type') IS NOT NULL AS type_commented;

-- Volatility: the readers are STABLE (PostgREST allows GET), the writers VOLATILE
-- (POST only); none is STRICT, so a NULL argument reaches the 22023 check.
SELECT proname, provolatile, proisstrict
  FROM pg_proc
 WHERE pronamespace = 'userservice'::regnamespace AND proname IN ('create_user', 'get_user', 'get_user_by_email', 'update_user', 'delete_user')
 ORDER BY proname;

-- Parameter names are the JSON API: email, password, display_name, user_id, patch, expected_version.
SELECT proname, pg_get_function_arguments(oid) AS arguments
  FROM pg_proc
 WHERE pronamespace = 'userservice'::regnamespace AND proname IN ('create_user', 'get_user', 'get_user_by_email', 'update_user', 'delete_user')
 ORDER BY proname;

-- Net effect of this file: Ann, Émile and the second Bob.
SELECT count(*) - :rows_at_start AS rows_added_by_this_file FROM userservice.users;
SELECT email FROM userservice.users WHERE email ILIKE '%@users.test' ORDER BY email;
