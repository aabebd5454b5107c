-- userservice 1.1 -> 1.0: back to accounts only.
-- Loses: issued tokens' revocation state (token_version) and lockout counters.
\echo Use "ALTER EXTENSION userservice UPDATE TO '1.0'" to load this file. \quit

DROP FUNCTION @extschema@.check_request();
DROP FUNCTION @extschema@.list_users(integer, bigint, bigint);
DROP FUNCTION @extschema@.logout_all(bigint);
DROP FUNCTION @extschema@.change_password(text, text);
DROP FUNCTION @extschema@.me();
DROP FUNCTION @extschema@.verify_token(text);
DROP FUNCTION @extschema@.login(text, text);
DROP TYPE @extschema@.login_result;
-- Detach it first, so pg_extension.extconfig forgets it along with the table.
ALTER EXTENSION userservice DROP TABLE @extschema@.login_failures;
DROP TABLE @extschema@.login_failures;
ALTER TABLE @extschema@.users DROP COLUMN token_version;

CREATE OR REPLACE FUNCTION @extschema@.update_user(user_id bigint, patch jsonb, expected_version integer DEFAULT NULL)
RETURNS @extschema@.user_profile
AS 'MODULE_PATHNAME', 'us_update_user'
LANGUAGE C VOLATILE CALLED ON NULL INPUT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

REVOKE EXECUTE ON FUNCTION @extschema@.get_user(bigint),
                           @extschema@.update_user(bigint, jsonb, integer)
    FROM userservice_user;

COMMENT ON FUNCTION @extschema@.update_user(bigint, jsonb, integer) IS
$$Apply a partial update to a user and return the new row.
patch is a JSON object whose keys may be email, password, display_name, is_active and role; an absent key leaves its field unchanged. version goes up by one and updated_at moves when anything really changes.
Raises 22023 for a NULL argument, a patch that is not an object, an unknown key, a null or mistyped value or an invalid value (DETAIL names the key); PT404 when no user has this id; PT409 when expected_version is given and is not the current version; 23505 when the new email belongs to another user.$$;
