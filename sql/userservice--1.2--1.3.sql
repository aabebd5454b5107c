-- userservice 1.2 -> 1.3: hardening. Signing keys in a table only the owner
-- reads (the jwt_secret setting is readable by every role and is ignored
-- from now on), a login throttle that holds under concurrency and fails
-- closed, a trusted role instead of "any role that fits no rule".
\echo Use "ALTER EXTENSION userservice UPDATE TO '1.3'" to load this file. \quit

-- The schema's owner could rename it and put tables of its own under its
-- name, which the SECURITY DEFINER functions would then use as the installing
-- superuser. CREATE EXTENSION makes the schema as the superuser; one made
-- beforehand by another role is refused (and checked again at run time).
DO $$
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
             WHERE n.nspname OPERATOR(pg_catalog.=) '@extschema@') THEN
        RAISE EXCEPTION 'schema @extschema@ is not owned by a superuser'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Its owner could replace the tables the extension''s functions use as a superuser.',
                  HINT = 'ALTER SCHEMA @extschema@ OWNER TO a superuser, then create or update the extension again.';
    END IF;
END
$$;

-- Callers that act without claims: superusers and members of this role.
-- Every other caller is a web role by its claims, or is refused (42501).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'userservice_trusted') THEN
        CREATE ROLE userservice_trusted NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA @extschema@ TO userservice_trusted;

-- Emails are stored NFC-normalized, so that one spelling is one account.
-- A 1.2 database may hold an NFD twin of another email: say which, rather
-- than fail on the index below.
DO $$
DECLARE
    twin text;
BEGIN
    SELECT a.email INTO twin
      FROM @extschema@.users a JOIN @extschema@.users b
        ON a.id OPERATOR(pg_catalog.<) b.id
       AND pg_catalog.lower(pg_catalog.normalize(a.email, 'NFC') COLLATE pg_catalog."und-x-icu")
           OPERATOR(pg_catalog.=) pg_catalog.lower(pg_catalog.normalize(b.email, 'NFC') COLLATE pg_catalog."und-x-icu")
     LIMIT 1;
    IF twin IS NOT NULL THEN
        RAISE EXCEPTION 'two users have the same email once normalized'
            USING ERRCODE = 'unique_violation',
                  DETAIL = pg_catalog.format('Email %L has a twin spelled with other Unicode code points.', twin),
                  HINT = 'Change or delete one of them, then update again.';
    END IF;
END
$$;
UPDATE @extschema@.users SET email = pg_catalog.normalize(email, 'NFC')
 WHERE email IS NOT NFC NORMALIZED;
ALTER TABLE @extschema@.users
    ADD CONSTRAINT ck_users_email_nfc CHECK (email IS NFC NORMALIZED);

-- Signing keys. Only the owner reads this table: no grant, no function that
-- returns a secret to anyone but a superuser.
CREATE TABLE @extschema@.signing_keys (
    kid          text NOT NULL,
    alg          text NOT NULL,
    secret       bytea,
    state        text NOT NULL,
    omit_kid     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    activated_at timestamptz,
    retired_at   timestamptz,
    CONSTRAINT pk_signing_keys PRIMARY KEY (kid),
    CONSTRAINT ck_signing_keys_alg CHECK (alg OPERATOR(pg_catalog.=) ANY (ARRAY['HS256'])),
    CONSTRAINT ck_signing_keys_state CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['signing', 'verifying', 'retired'])),
    CONSTRAINT ck_signing_keys_secret CHECK (
        CASE WHEN state OPERATOR(pg_catalog.=) 'retired' THEN secret IS NULL
             ELSE pg_catalog.octet_length(secret) OPERATOR(pg_catalog.>=) 32 END)
);
-- At most one key signs.
CREATE UNIQUE INDEX uq_signing_keys_state ON @extschema@.signing_keys (state)
    WHERE state OPERATOR(pg_catalog.=) 'signing';
COMMENT ON TABLE @extschema@.signing_keys IS
$$Keys that sign and verify tokens. state: signing (the one key that signs new tokens), verifying (still accepted), retired (secret wiped, refused). omit_kid: tokens carry no kid (the key migrated from userservice.jwt_secret, for a PostgREST whose jwt-secret is still the plain secret). Readable by the owner only.$$;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.signing_keys', '');
REVOKE ALL ON TABLE @extschema@.signing_keys FROM PUBLIC;

-- Every backend caches the keys; a change to the table tells them to reload.
CREATE FUNCTION @extschema@.signing_keys_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'us_signing_keys_changed'
LANGUAGE C;
REVOKE ALL ON FUNCTION @extschema@.signing_keys_changed() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.signing_keys_changed() IS
$$Trigger of userservice.signing_keys: tells every backend to reload its cached keys. Not for calling.$$;
CREATE TRIGGER signing_keys_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.signing_keys_changed();

-- The 1.2 secret becomes the signing key, so tokens issued before keep
-- working and a PostgREST with the plain secret keeps accepting new ones
-- (omit_kid). It was readable by every role: rotate (see the README).
INSERT INTO @extschema@.signing_keys (kid, alg, secret, state, omit_kid, activated_at)
SELECT pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''), 'HS256',
       pg_catalog.convert_to(s, 'UTF8'), 'signing', true, pg_catalog.now()
  FROM (SELECT pg_catalog.current_setting('userservice.jwt_secret', true) AS s) setting
 WHERE pg_catalog.octet_length(s) OPERATOR(pg_catalog.>=) 32;

DO $$
BEGIN
    IF COALESCE(pg_catalog.current_setting('userservice.jwt_secret', true), '') OPERATOR(pg_catalog.<>) '' THEN
        RAISE WARNING 'userservice.jwt_secret is set: remove it'
            USING DETAIL = 'From 1.3 on it is ignored; its value was moved into userservice.signing_keys. Every role can read the setting, so the key it names must be replaced.',
                  HINT = 'ALTER SYSTEM RESET userservice.jwt_secret (or remove it from postgresql.conf), reload, then SELECT userservice.create_signing_key(''HS256'') and retire the migrated key.';
    END IF;
END
$$;

-- The login throttle (replaces login_failures): failures per window, for an
-- email (known or not, so both do the same work) from one client address,
-- for an email from everywhere, and for an address across all emails.
-- Written by a background worker before the password is checked, so that a
-- burst cannot outrun the count and the count outlives the rollback.
ALTER EXTENSION userservice DROP TABLE @extschema@.login_failures;
DROP TABLE @extschema@.login_failures;

CREATE TABLE @extschema@.login_throttle (
    email_key     bytea NOT NULL,
    address       text NOT NULL,
    failures      integer NOT NULL,
    window_start  timestamptz NOT NULL,
    trusted_until timestamptz,
    expires_at    timestamptz NOT NULL,
    CONSTRAINT pk_login_throttle PRIMARY KEY (email_key, address),
    CONSTRAINT ck_login_throttle_failures CHECK (failures OPERATOR(pg_catalog.>=) 0)
);
CREATE INDEX ix_login_throttle_expires_at ON @extschema@.login_throttle (expires_at);
COMMENT ON TABLE @extschema@.login_throttle IS
$$Failed logins per window. email_key: BLAKE2b-128 of the normalized email ('' for an address's own budget); address: the client address ('' for the email's own budget); trusted_until: a login from this address to this email succeeded. Rows go once expires_at has passed.$$;
REVOKE ALL ON TABLE @extschema@.login_throttle FROM PUBLIC;

-- Only the owner reads the tables: revoke what default privileges (ALTER
-- DEFAULT PRIVILEGES ... GRANT ... ON TABLES) or a grant by hand gave anyone,
-- and the right to create objects in the schema.
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT c.oid::pg_catalog.regclass AS rel, a.grantee
          FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
         WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
           AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'S']::"char"[])
           AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
    LOOP
        IF g.grantee OPERATOR(pg_catalog.=) 0 THEN
            EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM PUBLIC', g.rel);
        ELSE
            EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %I', g.rel, g.grantee::pg_catalog.regrole);
        END IF;
    END LOOP;
    FOR g IN
        SELECT a.grantee FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
         WHERE n.nspname OPERATOR(pg_catalog.=) '@extschema@' AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
           AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
    LOOP
        IF g.grantee OPERATOR(pg_catalog.=) 0 THEN
            REVOKE CREATE ON SCHEMA @extschema@ FROM PUBLIC;
        ELSE
            EXECUTE pg_catalog.format('REVOKE CREATE ON SCHEMA @extschema@ FROM %I', g.grantee::pg_catalog.regrole);
        END IF;
    END LOOP;
END
$$;

-- Entry points of 1.3: keys from the table, the throttle.
CREATE OR REPLACE FUNCTION @extschema@.login(email text, password text)
RETURNS @extschema@.login_result
AS 'MODULE_PATHNAME', 'us_login_1_3'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION @extschema@.verify_token(token text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'us_verify_token_1_3'
LANGUAGE C STABLE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION @extschema@.change_password(current_password text, new_password text)
RETURNS void
AS 'MODULE_PATHNAME', 'us_change_password_1_3'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION @extschema@.update_user(user_id bigint, patch jsonb, expected_version integer DEFAULT NULL)
RETURNS @extschema@.user_profile
AS 'MODULE_PATHNAME', 'us_update_user_1_3'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.unlock_user(user_id bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'us_unlock_user'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.login_attempts(email text)
RETURNS TABLE (address text, failures integer, window_ends timestamptz, trusted_until timestamptz)
AS 'MODULE_PATHNAME', 'us_login_attempts'
LANGUAGE C STABLE CALLED ON NULL INPUT SECURITY DEFINER
ROWS 3
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.create_signing_key(alg text, secret text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'us_create_signing_key'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.retire_signing_key(kid text)
RETURNS void
AS 'MODULE_PATHNAME', 'us_retire_signing_key'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.jwks(include_secrets boolean DEFAULT false)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'us_jwks'
LANGUAGE C STABLE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION @extschema@.unlock_user(bigint),
                       @extschema@.login_attempts(text),
                       @extschema@.create_signing_key(text, text),
                       @extschema@.retire_signing_key(text),
                       @extschema@.jwks(boolean)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.unlock_user(bigint),
                          @extschema@.login_attempts(text)
    TO userservice_admin;
-- A signed-in user may call these too, only to be refused by the function
-- itself: a refusal by the privilege check would log the statement's text,
-- password included, where the function's own errors do not.
GRANT EXECUTE ON FUNCTION @extschema@.login(text, text),
                          @extschema@.create_user(text, text, text)
    TO userservice_user;

-- The trusted role may call what an administrator may (but not manage keys).
GRANT EXECUTE ON FUNCTION @extschema@.create_user(text, text, text),
                          @extschema@.get_user(bigint),
                          @extschema@.get_user_by_email(text),
                          @extschema@.update_user(bigint, jsonb, integer),
                          @extschema@.delete_user(bigint),
                          @extschema@.login(text, text),
                          @extschema@.verify_token(text),
                          @extschema@.me(),
                          @extschema@.change_password(text, text),
                          @extschema@.logout_all(bigint),
                          @extschema@.list_users(integer, bigint, bigint),
                          @extschema@.check_request(),
                          @extschema@.create_post(bigint, text, text),
                          @extschema@.get_post(bigint),
                          @extschema@.update_post(bigint, jsonb),
                          @extschema@.delete_post(bigint),
                          @extschema@.list_posts(bigint, integer, bigint, bigint),
                          @extschema@.list_users_with_posts(integer, bigint, boolean, bigint),
                          @extschema@.import_users(jsonb),
                          @extschema@.unlock_user(bigint),
                          @extschema@.login_attempts(text)
    TO userservice_trusted;

COMMENT ON FUNCTION @extschema@.login(text, text) IS
$$Log in with email and password; returns an HS256 access token (with the signing key's kid in its header) for PostgREST.
The token's role claim is userservice_user or userservice_admin; it expires after userservice.jwt_lifetime seconds. An unknown email, a wrong password and an inactive account get the same answer, in the same time, with the same durable work. Failures are counted per window before the password is checked: per email and client address, per email, and per address (see the README).
Raises 28P01 (invalid_password) for bad credentials; 22023 for a password of more than 1024 bytes; PT429 when the failure budget of the email or the address is spent (DETAIL says for how long); PT503 when the attempt cannot be counted (no worker slot, a standby); 55000 when no signing key exists.$$;

COMMENT ON FUNCTION @extschema@.verify_token(text) IS
$$Verify a token and return its claims.
Checks the signature in constant time against the key its kid names (or, without a kid, every key that verifies), the algorithm (HS256 only), exp (required, an integer), nbf and iat (numbers), sub (a positive integer), aud when userservice.jwt_audience is set, and that the token is not revoked (its user exists, is active, still an admin for an admin token, and tv is current). A SQL client sets request.jwt.claims to the result to act as that user.
Raises 28000 (invalid_authorization_specification) for any token that is malformed, forged, expired, revoked or otherwise refused.$$;

COMMENT ON FUNCTION @extschema@.change_password(text, text) IS
$$Change the caller's password after checking the current one; revokes every token issued before.
A wrong current_password is counted by the login throttle like a failed login.
Raises 28P01 when current_password is wrong; 22023 when new_password breaks the password rules; 42501 when the caller has no sub claim; PT429 or PT503 as login does.$$;

COMMENT ON FUNCTION @extschema@.update_user(bigint, jsonb, integer) IS
$$Apply a partial update to a user and return the new row.
patch is a JSON object whose keys may be email, password, display_name, is_active and role; an absent key leaves its field unchanged. version goes up by one and updated_at moves when anything really changes; a new password, a deactivation or a role change revokes the user's tokens, and an administrator's new password also clears the user's login throttle. userservice_user may patch only its own email and display_name.
Raises 22023 for a NULL argument, a patch that is not an object, an unknown key, a null or mistyped value or an invalid value (DETAIL names the key); 42501 when the caller may not change this user or this key; PT404 when no user has this id; PT409 when expected_version is given and is not the current version; 23505 when the new email belongs to another user.$$;

COMMENT ON FUNCTION @extschema@.check_request() IS
$$PostgREST db-pre-request hook: refuse a token whose user was deleted, deactivated, demoted from admin, or revoked by a password change or logout_all (every other function checks the same, so this is only the early answer).
Raises 28000 (invalid_authorization_specification) for such a token; 42501 for a caller that is no web role, no superuser and no member of userservice_trusted.$$;

COMMENT ON FUNCTION @extschema@.unlock_user(bigint) IS
$$Clear the login throttle of a user's email, from every address; for administrators.
Raises 22023 when user_id is NULL; PT404 when no user has this id; 42501 for a non-admin.$$;

COMMENT ON FUNCTION @extschema@.login_attempts(text) IS
$$The login throttle's counts for an email (registered or not), for administrators: one row per address ('' for the email's own budget across addresses), failures in the current window, when that window ends, and until when the address is trusted (a login from it succeeded).
Raises 22023 when email is NULL; 42501 for a non-admin.$$;

COMMENT ON FUNCTION @extschema@.create_signing_key(text, text) IS
$$Add a signing key and make it the one that signs new tokens; the key that signed before keeps verifying. Returns the new key's kid. For superusers.
alg is HS256; secret, when given, is at least 32 bytes; when NULL, 32 random bytes are generated. Publish it to PostgREST with jwks(true) and NOTIFY pgrst, 'reload config'.
Raises 22023 for another alg or a short secret; 42501 for anyone but a superuser.$$;

COMMENT ON FUNCTION @extschema@.retire_signing_key(text) IS
$$Retire a key that no longer signs: tokens it signed are refused from now on and its secret is wiped. For superusers.
Raises 22023 when kid names the signing key (create another first); PT404 when no key has this kid; 42501 for anyone but a superuser.$$;

COMMENT ON FUNCTION @extschema@.jwks(boolean) IS
$$The JSON Web Key Set of the keys that sign or verify, for PostgREST's jwt-secret. Symmetric (HS256) keys appear only with include_secrets, since their secret is the key. For superusers.
Raises 42501 for anyone but a superuser.$$;
