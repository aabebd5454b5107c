-- import: import_users(users jsonb): the happy path, hashes stored as given
-- or made from passwords, every validation rule (naming users[i] and the
-- field), duplicates (23505 naming the email), all or nothing, the size cap,
-- and who may call it. Every account here is import-*@example.com. Ids,
-- hashes and timestamps are never printed.
\set VERBOSITY default

-- A valid argon2id PHC string at the default cost that verifies no password.
SELECT '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' AS phc \gset
-- A cheaper one (m=8 KiB, t=1): accepted and kept; login upgrades it later.
SELECT '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' AS cheap_phc \gset

-- mine() counts this file's accounts.
CREATE FUNCTION pg_temp.mine() RETURNS bigint LANGUAGE sql AS
$$ SELECT count(*) FROM userservice.users WHERE email ILIKE 'import-%@example.com' $$;
-- e(i, ...) is a valid element number i with the given fields replaced or,
-- for a null value, removed.
CREATE FUNCTION pg_temp.e(i int, changes jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object('email', format('import-%s@example.com', i),
                                                'display_name', 'Import ' || i,
                                                'password_hash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
                             || changes)
$$;
SELECT pg_temp.mine() AS mine_at_start;

------------------------------------------------------------------------------
-- The happy path.
------------------------------------------------------------------------------

-- Two plaintext passwords (the same one: two salts, two hashes), a PHC hash,
-- a cheaper PHC hash, and an email in mixed case.
SELECT created, cardinality(ids) AS ids FROM userservice.import_users(jsonb_build_array(
    jsonb_build_object('email', 'import-ann@example.com', 'display_name', 'Ann', 'password', 'correct horse battery'),
    jsonb_build_object('email', 'import-bob@example.com', 'display_name', 'Bob', 'password_hash', :'phc'),
    jsonb_build_object('email', 'Import-Cat@Example.COM', 'display_name', 'Cat Ünïcødé', 'password_hash', :'cheap_phc'),
    jsonb_build_object('password', 'correct horse battery', 'display_name', 'Dan', 'email', 'import-dan@example.com')));
-- The ids are the new rows', in the order of the input.
SELECT (userservice.import_users(jsonb_build_array(pg_temp.e(1), pg_temp.e(2), pg_temp.e(3)))).ids AS ids123 \gset
SELECT :'ids123'::bigint[] = ARRAY(SELECT id FROM userservice.users
                                    WHERE email IN ('import-1@example.com', 'import-2@example.com', 'import-3@example.com')
                                    ORDER BY email) AS ids_in_input_order;
SELECT pg_temp.mine() AS mine_now;
-- The new accounts look like create_user's: role user, version 1, active,
-- email and display_name as given (letter case kept).
SELECT email, display_name, role, version, is_active, token_version, created_at = updated_at AS fresh
  FROM userservice.users WHERE email ILIKE 'import-%@example.com' ORDER BY id;
-- password_hash is stored exactly as given.
SELECT email, hashed_password = :'phc' AS default_phc_kept, hashed_password = :'cheap_phc' AS cheap_phc_kept
  FROM userservice.users WHERE email IN ('import-bob@example.com', 'Import-Cat@Example.COM') ORDER BY email;
-- A password gets an argon2id hash at the current cost (19 MiB, 2 passes),
-- never the password itself; the same password twice gives two hashes.
SELECT email,
       hashed_password ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' AS argon2id_default_cost,
       strpos(hashed_password, 'correct horse battery') = 0 AS password_not_stored
  FROM userservice.users WHERE email IN ('import-ann@example.com', 'import-dan@example.com') ORDER BY email;
SELECT count(DISTINCT hashed_password) AS distinct_hashes
  FROM userservice.users WHERE email IN ('import-ann@example.com', 'import-dan@example.com');
-- The imported password works: login succeeds with it, under either letter case of the email.
SELECT length(userservice.create_signing_key('HS256', 'import-test-secret-import-test-secret-0123456789')) AS kid_length;
SELECT token_type, expires_in FROM userservice.login('import-ann@example.com', 'correct horse battery');
SELECT token_type FROM userservice.login('IMPORT-ANN@example.com', 'correct horse battery');
-- An empty array creates nobody.
SELECT created, ids FROM userservice.import_users('[]');
-- Named argument, as PostgREST calls it.
SELECT created FROM userservice.import_users(users => jsonb_build_array(pg_temp.e(4)));
SELECT pg_temp.mine() AS mine_before \gset

------------------------------------------------------------------------------
-- users must be a JSON array of at most 10000 objects: 22023.
------------------------------------------------------------------------------

SELECT userservice.import_users(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users('{}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(pg_temp.e(5));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users('"import-5@example.com"');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users('5');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users('null');
\echo :LAST_ERROR_SQLSTATE
-- 10001 elements: refused before any element is looked at.
SELECT userservice.import_users((SELECT jsonb_agg(g) FROM generate_series(1, 10001) g));
\echo :LAST_ERROR_SQLSTATE
-- 10000 is the cap, not past it: a bad last element is what is reported ...
SELECT userservice.import_users((SELECT jsonb_agg(pg_temp.e(g, CASE WHEN g = 10000 THEN '{"email": "bad"}' ELSE '{}' END::jsonb))
                                   FROM generate_series(1, 10000) g));
\echo :LAST_ERROR_SQLSTATE
-- ... and 10000 good ones are all created, in one statement (rolled back here).
BEGIN;
SELECT created, cardinality(ids) AS ids
  FROM userservice.import_users((SELECT jsonb_agg(pg_temp.e(g)) FROM generate_series(100001, 110000) g));
SELECT pg_temp.mine() - :mine_before AS new_rows;
ROLLBACK;

-- Elements that are not objects: 22023 naming the element.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), 5));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6), 'null'::jsonb));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array('"import-5@example.com"'::jsonb));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(jsonb_build_array(pg_temp.e(5))));
\echo :LAST_ERROR_SQLSTATE

------------------------------------------------------------------------------
-- Each element: email, display_name, and exactly one of password and
-- password_hash; 22023 naming users[i] and the field.
------------------------------------------------------------------------------

-- A missing field.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6, '{"email": null}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"display_name": null}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": null}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users('[{}]');
\echo :LAST_ERROR_SQLSTATE
-- Both password and password_hash.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password": "correct horse battery"}')));
\echo :LAST_ERROR_SQLSTATE
-- JSON null is not "absent": it is refused, even for the password left out.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5) || '{"password": null}'));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5) || '{"display_name": null}'));
\echo :LAST_ERROR_SQLSTATE
-- Unknown keys, including columns that exist but are not imported.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"role": "admin"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"is_active": false}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"id": 1}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('hashed_password', :'phc'))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"Email": "import-5@example.com"}')));
\echo :LAST_ERROR_SQLSTATE
-- Wrong JSON types.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"email": 5}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"display_name": ["Five"]}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": null, "password": true}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": {"phc": "x"}}')));
\echo :LAST_ERROR_SQLSTATE
-- The rules of create_user for each field.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"email": "import-5.example.com"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"email": "import 5@example.com"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"email": ""}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('email', 'import-' || repeat('x', 236) || '@example.com'))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"display_name": ""}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"display_name": "   "}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"display_name": "Tab\there"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('display_name', repeat('n', 101)))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": null, "password": "short12"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('password_hash', NULL, 'password', repeat('p', 129)))));
\echo :LAST_ERROR_SQLSTATE
-- password_hash must be an argon2id PHC string the verifier can parse.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": "correct horse battery"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": ""}')));
\echo :LAST_ERROR_SQLSTATE
-- argon2i and argon2d are not argon2id; bcrypt is not argon2 at all.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('password_hash', replace(:'phc', 'argon2id', 'argon2i')))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('password_hash', replace(:'phc', 'argon2id', 'argon2d')))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"}')));
\echo :LAST_ERROR_SQLSTATE
-- Another version, a truncated string, a salt too short, a bad character, trailing text.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('password_hash', replace(:'phc', 'v=19', 'v=16')))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": "$argon2id$v=19$m=19456,t=2,p=1$"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"password_hash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAA"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('password_hash', replace(:'phc', 'c2Fsd', 'c2F!d')))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('password_hash', :'phc' || ' '))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('password_hash', :'phc' || '$AAAA'))));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, jsonb_build_object('password_hash', :'phc' || repeat('A', 200)))));
\echo :LAST_ERROR_SQLSTATE
-- The first bad element is the one reported; elements are numbered from 0.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6), pg_temp.e(7, '{"email": "x"}'), pg_temp.e(8, '{"display_name": ""}')));
\echo :LAST_ERROR_SQLSTATE
-- None of the refused imports above wrote a row.
SELECT pg_temp.mine() - :mine_before AS new_rows;

------------------------------------------------------------------------------
-- Duplicates: 23505 naming the email, within the batch (any letter case) or
-- against the table; nothing is written.
------------------------------------------------------------------------------

-- Twice the same email in the batch.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6), pg_temp.e(5)));
\echo :LAST_ERROR_SQLSTATE
-- The same email in another letter case: the later spelling is named.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6, '{"email": "IMPORT-5@Example.com"}')));
\echo :LAST_ERROR_SQLSTATE
-- An email registered already, in any letter case, among new ones.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6, '{"email": "import-bob@example.com"}')));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6, '{"email": "IMPORT-CAT@example.com"}'), pg_temp.e(7)));
\echo :LAST_ERROR_SQLSTATE
-- Non-ASCII letters compare without regard to case too.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5, '{"email": "import-ÄNN@example.com"}'),
                                                  pg_temp.e(6, '{"email": "import-änn@example.com"}')));
\echo :LAST_ERROR_SQLSTATE
-- The first duplicate in input order is the one named.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6), pg_temp.e(6), pg_temp.e(5)));
\echo :LAST_ERROR_SQLSTATE
-- Every element is validated before duplicates are looked for.
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(5), pg_temp.e(6, '{"display_name": ""}')));
\echo :LAST_ERROR_SQLSTATE
-- Nothing was written by any of them.
SELECT pg_temp.mine() - :mine_before AS new_rows;
-- A failure after a good import in the same transaction takes both back.
BEGIN;
SELECT created FROM userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6)));
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(7), pg_temp.e(5)));
ROLLBACK;
SELECT pg_temp.mine() - :mine_before AS new_rows;

------------------------------------------------------------------------------
-- Administrators only.
------------------------------------------------------------------------------

SELECT id AS plain_user FROM userservice.create_user('user-of-import@example.com', 'plain-password-1', 'Plain') \gset
SELECT id AS imp_admin FROM userservice.create_user('admin-of-import@example.com', 'admin-password-1', 'Admin') \gset
SELECT role FROM userservice.update_user(:imp_admin, '{"role": "admin"}');
SELECT json_build_object('sub', id::text, 'tv', token_version, 'exp', 4102444800)::text AS admin_claims
  FROM userservice.users WHERE id = :imp_admin \gset
SET ROLE userservice_user;
SELECT set_config('request.jwt.claims', format('{"sub": "%s", "tv": 1, "exp": 4102444800}', :plain_user), false) IS NOT NULL AS signed_in;
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5)));
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) AS claims_cleared;
SET ROLE userservice_anon;
SELECT userservice.import_users(jsonb_build_array(pg_temp.e(5)));
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pg_temp.mine() - :mine_before AS new_rows;
SET ROLE userservice_admin;
SELECT set_config('request.jwt.claims', :'admin_claims', false) IS NOT NULL AS signed_in_as_admin;
SELECT created FROM userservice.import_users(jsonb_build_array(pg_temp.e(5), pg_temp.e(6)));
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) AS claims_cleared;
SELECT pg_temp.mine() - :mine_before AS new_rows;
-- The catalog: VOLATILE, SECURITY DEFINER with a pinned search_path, executable by the admin role only.
SELECT provolatile, prosecdef, proconfig,
       has_function_privilege('userservice_anon', oid, 'EXECUTE') AS anon,
       has_function_privilege('userservice_user', oid, 'EXECUTE') AS "user",
       has_function_privilege('userservice_admin', oid, 'EXECUTE') AS admin
  FROM pg_proc WHERE oid = 'userservice.import_users(jsonb)'::regprocedure;

-- A stored cost is paid by every login attempt, so an imported hash may not
-- be dearer than userservice.import_max_hash_memory and import_max_hash_iterations
-- allow (by default the current cost, 19MB and 2 passes, which an unknown
-- email's login pays too), nor use p > 1: 22023 naming the element.
SELECT count(*) AS users_before FROM userservice.users \gset
SELECT * FROM userservice.import_users(jsonb_build_array(jsonb_build_object(
    'email', 'import-dear@example.com', 'display_name', 'Dear',
    'password_hash', '$argon2id$v=19$m=4294967295,t=4294967295,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.import_users(jsonb_build_array(jsonb_build_object(
    'email', 'import-dear@example.com', 'display_name', 'Dear',
    'password_hash', '$argon2id$v=19$m=19456,t=1001,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.import_users(jsonb_build_array(jsonb_build_object(
    'email', 'import-dear@example.com', 'display_name', 'Dear',
    'password_hash', '$argon2id$v=19$m=19456,t=2,p=4$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.import_users(jsonb_build_array(jsonb_build_object(
    'email', 'import-dear@example.com', 'display_name', 'Dear',
    'password_hash', '$argon2id$v=19$m=19457,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.import_users(jsonb_build_array(jsonb_build_object(
    'email', 'import-dear@example.com', 'display_name', 'Dear',
    'password_hash', '$argon2id$v=19$m=19456,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
\echo :LAST_ERROR_SQLSTATE
-- ...while the dearest allowed cost is accepted (rolled back: not hashed here).
BEGIN;
SELECT created FROM userservice.import_users(jsonb_build_array(jsonb_build_object(
    'email', 'import-dear@example.com', 'display_name', 'Dear',
    'password_hash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
ROLLBACK;
-- A superuser may allow dearer imports; nobody else may change the bounds.
SET userservice.import_max_hash_memory = '128MB';
BEGIN;
SELECT created FROM userservice.import_users(jsonb_build_array(jsonb_build_object(
    'email', 'import-dear@example.com', 'display_name', 'Dear',
    'password_hash', '$argon2id$v=19$m=131072,t=4,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')));
ROLLBACK;
RESET userservice.import_max_hash_memory;
SET ROLE userservice_admin;
SET userservice.import_max_hash_memory = '4GB';
\echo :LAST_ERROR_SQLSTATE
SET userservice.import_max_hash_iterations = 1000;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

SELECT count(*) - :users_before AS rows_added FROM userservice.users;

-- The password rules are for new passwords: a legacy password shorter than
-- 8 characters, imported as a (cheaper) hash, logs in, and its hash is
-- upgraded to the current cost at that login.
SELECT created FROM userservice.import_users(jsonb_build_array(jsonb_build_object(
    'email', 'import-legacy@example.com', 'display_name', 'Legacy',
    'password_hash', '$argon2id$v=19$m=8192,t=1,p=1$Gq+Fq6U4NZCt5XDOk64LrA$4wvWNy5S+3u7ic+BVqIEWpWFZ8rgxVJVQh2FkF73UME')));
SELECT token_type FROM userservice.login('import-legacy@example.com', 'short');
SELECT substring(hashed_password FROM '^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$') AS upgraded_cost
  FROM userservice.users WHERE email = 'import-legacy@example.com';
SELECT token_type FROM userservice.login('import-legacy@example.com', 'short');
-- The same password is refused as a new one.
SELECT userservice.create_user('import-legacy-2@example.com', 'short', 'Legacy 2');
\echo :LAST_ERROR_SQLSTATE
