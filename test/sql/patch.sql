-- patch: update_user(user_id, patch jsonb, expected_version) key by key.
-- An absent key leaves its field; a present key sets it; null, an unknown key,
-- a wrong JSON type or a patch that is not an object is 22023 naming the key
-- and changes nothing; version +1 and updated_at move only on a real change.
-- Accounts here use the domain patch.test.
\set VERBOSITY default

\i test/sql/helpers.psql

-- A snapshot of whole rows (hash included), to prove that a call changed
-- nothing, or exactly what it should.
CREATE TEMP TABLE snap AS SELECT * FROM userservice.users WITH NO DATA;
CREATE FUNCTION pg_temp.take_snapshot() RETURNS void LANGUAGE sql AS $$
    DELETE FROM snap;
    INSERT INTO snap SELECT * FROM userservice.users WHERE email ILIKE '%@patch.test';
$$;
-- The rows (of the snapshot) that differ now, and in which of the 1.0
-- columns (columns added by later versions are left out of the comparison).
CREATE FUNCTION pg_temp.changes() RETURNS TABLE (email text, changed_columns text)
LANGUAGE sql AS $$
    SELECT email, changed_columns FROM (
        SELECT s.email,
               (SELECT string_agg(n.key, ',' ORDER BY n.key)
                  FROM jsonb_each(to_jsonb(u)) n
                  JOIN jsonb_each(to_jsonb(s)) o USING (key)
                 WHERE n.value IS DISTINCT FROM o.value
                   AND n.key IN ('id', 'email', 'hashed_password', 'display_name', 'is_active',
                                 'role', 'version', 'created_at', 'updated_at')) AS changed_columns,
               u.id IS NULL AS gone
          FROM snap s LEFT JOIN userservice.users u USING (id)) c
     WHERE changed_columns IS NOT NULL OR gone
     ORDER BY email;
$$;

SELECT email FROM userservice.create_user('pat@patch.test', 'password123', 'Pat');
SELECT email FROM userservice.create_user('Other@Patch.Test', 'password123', 'Other');
SELECT id AS pid FROM userservice.users WHERE email = 'pat@patch.test' \gset
SELECT id AS other_id FROM userservice.users WHERE email = 'Other@Patch.Test' \gset
SELECT pg_temp.take_snapshot();

------------------------------------------------------------------------------
-- Refused patches: each is 22023 naming the key, and changes nothing.
------------------------------------------------------------------------------

-- NULL arguments: user_id and patch are required.
SELECT * FROM userservice.update_user(NULL, '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, NULL);
\echo :LAST_ERROR_SQLSTATE

-- Not an object: array, array of an object, string, number, boolean, JSON null.
SELECT * FROM userservice.update_user(:pid, '[]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '[{"display_name": "X"}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '"display_name"');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '42');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, 'true');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, 'null');
\echo :LAST_ERROR_SQLSTATE

-- Unknown keys, including columns that exist but cannot be patched, and a
-- known key in another letter case.
SELECT * FROM userservice.update_user(:pid, '{"name": "X"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"id": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"version": 99}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"hashed_password": "$argon2id$v=19$m=19456,t=2,p=1$x$y"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"created_at": "2000-01-01"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"Email": "pat2@patch.test"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"": 1}');
\echo :LAST_ERROR_SQLSTATE
-- An unknown key next to a valid one: the whole patch is refused.
SELECT * FROM userservice.update_user(:pid, '{"display_name": "Changed", "bogus": true}');
\echo :LAST_ERROR_SQLSTATE
-- A very long unknown key is quoted cut short, still naming it.
SELECT * FROM userservice.update_user(:pid, jsonb_build_object(repeat('k', 100), 1));
\echo :LAST_ERROR_SQLSTATE

-- null for every key.
SELECT * FROM userservice.update_user(:pid, '{"email": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"password": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"display_name": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"is_active": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"role": null}');
\echo :LAST_ERROR_SQLSTATE
-- null next to a valid key: refused as a whole.
SELECT * FROM userservice.update_user(:pid, '{"display_name": "Changed", "role": null}');
\echo :LAST_ERROR_SQLSTATE

-- Wrong JSON type: the string keys given a number, an array, an object, a boolean.
SELECT * FROM userservice.update_user(:pid, '{"email": 42}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"email": ["pat@patch.test"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"email": {"value": "pat@patch.test"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"email": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"password": 12345678}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"password": ["password123"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"password": {}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"password": false}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"display_name": 7}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"display_name": ["Pat"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"display_name": {"first": "Pat"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"display_name": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"role": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"role": ["admin"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"role": {"name": "admin"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"role": true}');
\echo :LAST_ERROR_SQLSTATE
-- ... and the boolean key given a string, a number, an array, an object.
SELECT * FROM userservice.update_user(:pid, '{"is_active": "false"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"is_active": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"is_active": [false]}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"is_active": {}}');
\echo :LAST_ERROR_SQLSTATE

-- Well-typed values that break an input rule: named as the field.
SELECT * FROM userservice.update_user(:pid, '{"email": "not-an-email"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"email": ""}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"password": "short"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, jsonb_build_object('password', repeat('p', 129)));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"display_name": ""}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"display_name": "   "}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"display_name": "Pat\tTab"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, jsonb_build_object('display_name', repeat('n', 101)));
\echo :LAST_ERROR_SQLSTATE
-- role: only 'user' or 'admin', exactly.
SELECT * FROM userservice.update_user(:pid, '{"role": "superuser"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"role": "Admin"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"role": ""}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.update_user(:pid, '{"role": "admin "}');
\echo :LAST_ERROR_SQLSTATE
-- An invalid value next to a valid one: refused as a whole.
SELECT * FROM userservice.update_user(:pid, '{"display_name": "Changed", "email": "bad"}');
\echo :LAST_ERROR_SQLSTATE

-- Not found: PT404.
SELECT * FROM userservice.update_user(9223372036854775807, '{"display_name": "Ghost"}');
\echo :LAST_ERROR_SQLSTATE

-- None of the refused patches above changed any row (hash, version and
-- updated_at included).
SELECT * FROM pg_temp.changes();

------------------------------------------------------------------------------
-- Patches that change nothing: no version bump, same updated_at.
------------------------------------------------------------------------------

-- The empty object.
SELECT email, display_name, is_active, role, version FROM userservice.update_user(:pid, '{}');
-- Every field set to the value it already has.
SELECT email, display_name, is_active, role, version
  FROM userservice.update_user(:pid, '{"email": "pat@patch.test", "display_name": "Pat", "is_active": true, "role": "user"}');
-- A single key set to its current value.
SELECT version FROM userservice.update_user(:pid, '{"is_active": true}');
-- The row returned for a no-op is the stored row.
SELECT r.updated_at = s.updated_at AS same_updated_at, r.version = s.version AS same_version
  FROM userservice.update_user(:pid, '{"role": "user"}') r, snap s WHERE s.id = :pid;
-- explicit NULL expected_version means "do not check", like omitting it.
SELECT version FROM userservice.update_user(:pid, '{}', NULL);
-- Still nothing changed.
SELECT * FROM pg_temp.changes();

------------------------------------------------------------------------------
-- Real changes: a present key sets its field, absent keys stay; version + 1,
-- updated_at moves (this is a later transaction), created_at never moves.
------------------------------------------------------------------------------

-- display_name alone.
SELECT email, display_name, is_active, role, version
  FROM userservice.update_user(:pid, '{"display_name": "Patricia"}');
SELECT * FROM pg_temp.changes();
SELECT u.version = s.version + 1 AS bumped_once, u.updated_at > s.updated_at AS updated_moved,
       u.created_at = s.created_at AS created_kept, u.updated_at > u.created_at AS updated_after_created
  FROM userservice.users u JOIN snap s USING (id) WHERE u.id = :pid;
SELECT pg_temp.take_snapshot();

-- is_active alone, false then true.
SELECT is_active, version FROM userservice.update_user(:pid, '{"is_active": false}');
SELECT * FROM pg_temp.changes();
SELECT pg_temp.take_snapshot();
SELECT is_active, version FROM userservice.update_user(:pid, '{"is_active": true}');
SELECT * FROM pg_temp.changes();
SELECT pg_temp.take_snapshot();

-- role alone: 'admin' then back to 'user'.
SELECT role, version FROM userservice.update_user(:pid, '{"role": "admin"}');
SELECT * FROM pg_temp.changes();
SELECT pg_temp.take_snapshot();
SELECT role, version FROM userservice.update_user(:pid, '{"role": "user"}');
SELECT pg_temp.take_snapshot();

-- email alone: a new address; the old one no longer finds the account.
SELECT email, version FROM userservice.update_user(:pid, '{"email": "pat.new@patch.test"}');
SELECT * FROM pg_temp.changes();
SELECT id = :pid AS found_by_new_email FROM userservice.get_user_by_email('PAT.NEW@patch.test');
SELECT * FROM userservice.get_user_by_email('pat@patch.test');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.take_snapshot();

-- email: a change of letter case only of one's own email is allowed (and is a change).
SELECT email, version FROM userservice.update_user(:pid, '{"email": "Pat.New@Patch.Test"}');
SELECT * FROM pg_temp.changes();
SELECT id = :pid AS found_by_other_case FROM userservice.get_user_by_email('pat.new@patch.test');
SELECT pg_temp.take_snapshot();

-- Several keys at once: one bump, not one per key; the other fields stay.
SELECT email, display_name, is_active, role, version
  FROM userservice.update_user(:pid, '{"display_name": "Pat Lee", "is_active": false, "role": "admin"}');
SELECT * FROM pg_temp.changes();
SELECT pg_temp.take_snapshot();
-- A mix of same values and one real change: one bump.
SELECT email, display_name, is_active, version
  FROM userservice.update_user(:pid, '{"email": "Pat.New@Patch.Test", "display_name": "Pat Lee", "is_active": true}');
SELECT * FROM pg_temp.changes();
SELECT pg_temp.take_snapshot();

-- password: hashed before storing; the hash changes, stays argon2id at the
-- configured cost, never equals the password; nothing else but version and
-- updated_at changes.
SELECT version FROM userservice.update_user(:pid, '{"password": "new password 1"}');
SELECT * FROM pg_temp.changes();
SELECT u.hashed_password LIKE '$argon2id$v=19$m=19456,t=2,p=1$%' AS argon2id,
       u.hashed_password <> s.hashed_password AS hash_changed,
       strpos(u.hashed_password, 'new password 1') = 0 AS password_not_stored
  FROM userservice.users u JOIN snap s USING (id) WHERE u.id = :pid;
SELECT pg_temp.take_snapshot();
-- The same password again is still a change (a new salt, a new hash).
SELECT version FROM userservice.update_user(:pid, '{"password": "new password 1"}');
SELECT * FROM pg_temp.changes();
SELECT u.hashed_password <> s.hashed_password AS hash_changed
  FROM userservice.users u JOIN snap s USING (id) WHERE u.id = :pid;
SELECT pg_temp.take_snapshot();

-- The other user was never touched by any of this.
SELECT email, display_name, version FROM userservice.get_user(:other_id);

------------------------------------------------------------------------------
-- Uniqueness of a new email: 23505, nothing changes.
------------------------------------------------------------------------------

-- Another user's email, in another letter case.
SELECT * FROM userservice.update_user(:pid, '{"email": "other@patch.test"}');
\echo :LAST_ERROR_SQLSTATE
-- Another user's email, in the same letter case, with a valid key beside it.
SELECT * FROM userservice.update_user(:pid, '{"email": "Other@Patch.Test", "display_name": "Thief"}');
\echo :LAST_ERROR_SQLSTATE
-- A taken email plus a password: refused, the hash is not replaced.
SELECT * FROM userservice.update_user(:pid, '{"email": "OTHER@PATCH.TEST", "password": "another password"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.changes();

------------------------------------------------------------------------------
-- expected_version: right works, wrong is PT409 and changes nothing.
------------------------------------------------------------------------------

SELECT version AS v FROM userservice.users WHERE id = :pid \gset
-- Right version: applied, version + 1.
SELECT display_name, version = :v + 1 AS bumped
  FROM userservice.update_user(:pid, '{"display_name": "Versioned"}', :v);
SELECT pg_temp.take_snapshot();
-- The old version is now stale: PT409.
SELECT pg_temp.error_of(format('SELECT userservice.update_user(%s, %L, %s)', :pid, '{"display_name": "Stale"}', :v), jsonb_build_object('id', :pid)) AS stale;
-- A version from the future: PT409.
SELECT pg_temp.error_of(format('SELECT userservice.update_user(%s, %L, %s)', :pid, '{"display_name": "Future"}', :v + 5), jsonb_build_object('id', :pid)) AS future;
-- A stale version with a patch that would change nothing: still PT409.
SELECT pg_temp.error_of(format('SELECT userservice.update_user(%s, %L, %s)', :pid, '{}', :v), jsonb_build_object('id', :pid)) AS stale_noop;
-- A stale version with a password: PT409, the hash is not replaced.
SELECT pg_temp.error_of(format('SELECT userservice.update_user(%s, %L, %s)', :pid, '{"password": "stale password"}', :v), jsonb_build_object('id', :pid)) AS stale_password;
-- Nothing changed.
SELECT * FROM pg_temp.changes();
-- The current version with a no-op patch: accepted, no bump.
SELECT display_name, version = :v + 1 AS unchanged_version
  FROM userservice.update_user(:pid, '{}', :v + 1);
-- Named arguments, as PostgREST passes them.
SELECT display_name, version = :v + 2 AS bumped
  FROM userservice.update_user(user_id => :pid, patch => '{"display_name": "Named"}', expected_version => :v + 1);
SELECT pg_temp.take_snapshot();

------------------------------------------------------------------------------
-- The caller's transaction is the unit of work.
------------------------------------------------------------------------------

-- Inside one transaction two patches bump twice; a rollback undoes both.
BEGIN;
SELECT version = :v + 3 AS first_bump FROM userservice.update_user(:pid, '{"display_name": "T1"}');
SELECT version = :v + 4 AS second_bump FROM userservice.update_user(:pid, '{"display_name": "T2"}');
ROLLBACK;
SELECT * FROM pg_temp.changes();
-- A failing patch inside a transaction aborts it; nothing is kept.
BEGIN;
SELECT display_name FROM userservice.update_user(:pid, '{"display_name": "Before failure"}');
SELECT * FROM userservice.update_user(:pid, '{"email": "other@patch.test"}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT * FROM pg_temp.changes();

-- Final state of this file's accounts.
SELECT email, display_name, is_active, role, version FROM userservice.users
 WHERE email ILIKE '%@patch.test' ORDER BY lower(email);
