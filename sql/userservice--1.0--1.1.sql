-- userservice 1.0 -> 1.1: login, JWTs, authorization, lockout, revocation.
\echo Use "ALTER EXTENSION userservice UPDATE TO '1.1'" to load this file. \quit

-- Bumped by a password change and by logout_all; tokens carry it as "tv",
-- and check_request refuses a token whose "tv" is not the current one.
ALTER TABLE @extschema@.users ADD COLUMN token_version integer NOT NULL DEFAULT 1;

-- Consecutive failed logins per account. Written by a background worker in
-- its own transaction, so a count outlives the failed login's rollback.
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

CREATE TYPE @extschema@.login_result AS (
    access_token text,
    token_type   text,
    expires_in   integer
);
COMMENT ON TYPE @extschema@.login_result IS 'What login returns: an HS256 JWT, its type (bearer) and its lifetime in seconds.';

-- Same signature, new entry point: a password patch now also revokes tokens.
CREATE OR REPLACE FUNCTION @extschema@.update_user(user_id bigint, patch jsonb, expected_version integer DEFAULT NULL)
RETURNS @extschema@.user_profile
AS 'MODULE_PATHNAME', 'us_update_user_1_1'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.login(email text, password text)
RETURNS @extschema@.login_result
AS 'MODULE_PATHNAME', 'us_login'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.verify_token(token text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'us_verify_token'
LANGUAGE C STABLE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.me()
RETURNS @extschema@.user_profile
AS 'MODULE_PATHNAME', 'us_me'
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.change_password(current_password text, new_password text)
RETURNS void
AS 'MODULE_PATHNAME', 'us_change_password'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.logout_all(user_id bigint DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'us_logout_all'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.list_users(page_size integer DEFAULT 20, after_id bigint DEFAULT NULL, skip bigint DEFAULT 0)
RETURNS SETOF @extschema@.user_profile
AS 'MODULE_PATHNAME', 'us_list_users'
LANGUAGE C STABLE CALLED ON NULL INPUT SECURITY DEFINER
ROWS 20
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.check_request()
RETURNS void
AS 'MODULE_PATHNAME', 'us_check_request'
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION @extschema@.login(text, text),
                       @extschema@.verify_token(text),
                       @extschema@.me(),
                       @extschema@.change_password(text, text),
                       @extschema@.logout_all(bigint),
                       @extschema@.list_users(integer, bigint, bigint),
                       @extschema@.check_request()
    FROM PUBLIC;

-- anon signs up and logs in; user reads and patches itself; admin does all.
GRANT EXECUTE ON FUNCTION @extschema@.login(text, text) TO userservice_anon, userservice_admin;
GRANT EXECUTE ON FUNCTION @extschema@.check_request() TO userservice_anon, userservice_user, userservice_admin;
GRANT EXECUTE ON FUNCTION @extschema@.me(),
                          @extschema@.change_password(text, text),
                          @extschema@.logout_all(bigint),
                          @extschema@.get_user(bigint),
                          @extschema@.update_user(bigint, jsonb, integer)
    TO userservice_user, userservice_admin;
GRANT EXECUTE ON FUNCTION @extschema@.verify_token(text),
                          @extschema@.list_users(integer, bigint, bigint)
    TO userservice_admin;

COMMENT ON FUNCTION @extschema@.update_user(bigint, jsonb, integer) IS
$$Apply a partial update to a user and return the new row.
patch is a JSON object whose keys may be email, password, display_name, is_active and role; an absent key leaves its field unchanged. version goes up by one and updated_at moves when anything really changes; a new password also revokes the user's tokens. userservice_user may patch only its own email and display_name.
Raises 22023 for a NULL argument, a patch that is not an object, an unknown key, a null or mistyped value or an invalid value (DETAIL names the key); 42501 when the caller may not change this user or this key; PT404 when no user has this id; PT409 when expected_version is given and is not the current version; 23505 when the new email belongs to another user.$$;

COMMENT ON FUNCTION @extschema@.login(text, text) IS
$$Log in with email and password; returns an HS256 access token for PostgREST.
The token's role claim is userservice_user or userservice_admin; it expires after userservice.jwt_lifetime seconds. An unknown email, a wrong password and an inactive account get the same answer in the same time.
Raises 28P01 (invalid_password) for bad credentials; PT429 while the account is locked out after userservice.login_max_failures consecutive failures; 55000 when userservice.jwt_secret is not set.$$;

COMMENT ON FUNCTION @extschema@.verify_token(text) IS
$$Verify an HS256 token and return its claims.
Checks the signature in constant time, the algorithm (HS256 only), exp (required) and nbf, and aud when userservice.jwt_audience is set. A SQL client sets request.jwt.claims to the result to act as that user.
Raises 28000 (invalid_authorization_specification) for any token that is malformed, forged, expired or otherwise refused.$$;

COMMENT ON FUNCTION @extschema@.me() IS
$$Return the caller's own user, named by the sub claim of request.jwt.claims.
Raises 42501 when the caller has no sub claim; PT404 when that user no longer exists.$$;

COMMENT ON FUNCTION @extschema@.change_password(text, text) IS
$$Change the caller's password after checking the current one; revokes every token issued before.
Raises 28P01 when current_password is wrong; 22023 when new_password breaks the password rules; 42501 when the caller has no sub claim.$$;

COMMENT ON FUNCTION @extschema@.logout_all(bigint) IS
$$Revoke every token of a user (the caller when user_id is NULL); check_request refuses them afterwards.
Raises 42501 when a user names another user; PT404 when no user has this id.$$;

COMMENT ON FUNCTION @extschema@.list_users(integer, bigint, bigint) IS
$$List users in id order, for administrators: page_size rows (default 20, at most 1000) after the keyset cursor after_id (the last id of the previous page), skipping skip rows (offset paging, slower at depth).
Raises 22023 for a page_size outside 1..1000 or a negative skip; 42501 for a non-admin.$$;

COMMENT ON FUNCTION @extschema@.check_request() IS
$$PostgREST db-pre-request hook: refuse a token whose user was deleted, deactivated, demoted from admin, or revoked by a password change or logout_all.
Raises 28000 (invalid_authorization_specification) for such a token; does nothing for anonymous and trusted callers.$$;
