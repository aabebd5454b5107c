-- userservice 1.3 -> 1.2: back to the secret in a setting.
-- WARNING: this drops the signing keys. 1.2 signs and verifies with the
-- userservice.jwt_secret setting, which every role can read: set it again
-- (postgresql.conf) before the downgrade if logins must keep working, and
-- know that 1.2 is exposed to everything 1.3 fixed. The login throttle's
-- counts are dropped; login_failures comes back empty.
\echo Use "ALTER EXTENSION userservice UPDATE TO '1.2'" to load this file. \quit

DROP FUNCTION @extschema@.jwks(boolean);
DROP FUNCTION @extschema@.retire_signing_key(text);
DROP FUNCTION @extschema@.create_signing_key(text, text);
DROP FUNCTION @extschema@.unlock_user(bigint);
DROP FUNCTION @extschema@.login_attempts(text);

-- Detach them first, so pg_extension.extconfig forgets them with the tables.
ALTER EXTENSION userservice DROP TABLE @extschema@.signing_keys;
DROP TABLE @extschema@.signing_keys;
DROP FUNCTION @extschema@.signing_keys_changed();
DROP TABLE @extschema@.login_throttle;

ALTER TABLE @extschema@.users DROP CONSTRAINT ck_users_email_nfc;

CREATE TABLE @extschema@.login_failures (
    user_id        bigint NOT NULL,
    failures       integer NOT NULL,
    last_failed_at timestamptz NOT NULL,
    locked_until   timestamptz,
    CONSTRAINT pk_login_failures PRIMARY KEY (user_id),
    CONSTRAINT fk_login_failures_user_id_users FOREIGN KEY (user_id)
        REFERENCES @extschema@.users (id) ON DELETE CASCADE,
    CONSTRAINT ck_login_failures_failures CHECK (failures OPERATOR(pg_catalog.>=) 1)
);
COMMENT ON TABLE @extschema@.login_failures IS 'Consecutive failed logins per account, and the lockout they earned.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.login_failures', '');
REVOKE ALL ON TABLE @extschema@.login_failures FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.login(email text, password text)
RETURNS @extschema@.login_result
AS 'MODULE_PATHNAME', 'us_login'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION @extschema@.verify_token(token text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'us_verify_token'
LANGUAGE C STABLE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION @extschema@.change_password(current_password text, new_password text)
RETURNS void
AS 'MODULE_PATHNAME', 'us_change_password'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION @extschema@.update_user(user_id bigint, patch jsonb, expected_version integer DEFAULT NULL)
RETURNS @extschema@.user_profile
AS 'MODULE_PATHNAME', 'us_update_user_1_1'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON FUNCTION @extschema@.login(text, text),
                           @extschema@.create_user(text, text, text)
    FROM userservice_user;

-- The trusted role is cluster-wide and stays; it loses its grants here.
REVOKE ALL ON FUNCTION @extschema@.create_user(text, text, text),
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
                       @extschema@.import_users(jsonb)
    FROM userservice_trusted;
REVOKE USAGE ON SCHEMA @extschema@ FROM userservice_trusted;

COMMENT ON FUNCTION @extschema@.login(text, text) IS
$$Log in with email and password; returns an HS256 access token for PostgREST.
The token's role claim is userservice_user or userservice_admin; it expires after userservice.jwt_lifetime seconds. An unknown email, a wrong password and an inactive account get the same answer in the same time.
Raises 28P01 (invalid_password) for bad credentials; PT429 while the account is locked out after userservice.login_max_failures consecutive failures; 55000 when userservice.jwt_secret is not set.$$;

COMMENT ON FUNCTION @extschema@.verify_token(text) IS
$$Verify an HS256 token and return its claims.
Checks the signature in constant time, the algorithm (HS256 only), exp (required) and nbf, and aud when userservice.jwt_audience is set. A SQL client sets request.jwt.claims to the result to act as that user.
Raises 28000 (invalid_authorization_specification) for any token that is malformed, forged, expired or otherwise refused.$$;

COMMENT ON FUNCTION @extschema@.change_password(text, text) IS
$$Change the caller's password after checking the current one; revokes every token issued before.
Raises 28P01 when current_password is wrong; 22023 when new_password breaks the password rules; 42501 when the caller has no sub claim.$$;

COMMENT ON FUNCTION @extschema@.update_user(bigint, jsonb, integer) IS
$$Apply a partial update to a user and return the new row.
patch is a JSON object whose keys may be email, password, display_name, is_active and role; an absent key leaves its field unchanged. version goes up by one and updated_at moves when anything really changes; a new password also revokes the user's tokens. userservice_user may patch only its own email and display_name.
Raises 22023 for a NULL argument, a patch that is not an object, an unknown key, a null or mistyped value or an invalid value (DETAIL names the key); 42501 when the caller may not change this user or this key; PT404 when no user has this id; PT409 when expected_version is given and is not the current version; 23505 when the new email belongs to another user.$$;

COMMENT ON FUNCTION @extschema@.check_request() IS
$$PostgREST db-pre-request hook: refuse a token whose user was deleted, deactivated, demoted from admin, or revoked by a password change or logout_all.
Raises 28000 (invalid_authorization_specification) for such a token; does nothing for anonymous and trusted callers.$$;
