-- postgrest: the transactions PostgREST v16.2 sends for /rpc/ calls to the
-- userservice functions, replayed with psql as the LOGIN role authenticator
-- (NOINHERIT, granted the three web roles), configured as the README says
-- (db-schemas = "userservice", db-anon-role = "userservice_anon",
-- db-pre-request = "userservice.check_request") with the other defaults
-- (db-extra-search-path = "public", db-prepared-statements = true,
-- db-tx-end = commit). Read in PostgREST's source, tag v16.2 (commit
-- 47ef77b), src/library/PostgREST/:
-- * MainTx.hs mainTx: one transaction per request, begun by
--   hasql-transaction (Private/SQL.hs) as BEGIN ISOLATION LEVEL READ
--   COMMITTED READ ONLY or ... READ WRITE (READ COMMITTED unless the role or
--   the function sets default_transaction_isolation), ended by COMMIT, or by
--   ABORT after an error. In it: the request's settings, the pre-request
--   function, the main statement, each prepared on first use.
-- * Plan.hs callReadPlan: GET (and HEAD) runs READ ONLY whatever the
--   function's volatility; POST runs READ ONLY for a STABLE or IMMUTABLE
--   function, READ WRITE for a VOLATILE one. Nothing refuses a GET for
--   volatility: the function's first write fails with 25006, which Error.hs
--   answers 405. (Only other methods are 405 PGRST101 without SQL,
--   ApiRequest.hs getAction.)
-- * Query/PreQuery.hs txVarQuery: one select of set_config(name, $n, true)
--   for search_path ("userservice", "public"), role, request.jwt.claims (the
--   token's claims with "role" put in, as aeson encodes them: keys in code
--   point order, no spaces; {"role":"userservice_anon"} without a token),
--   request.method, request.path (no query string), request.headers (every
--   header but Cookie, names in lower case) and request.cookies;
--   preReqQuery: select "userservice"."check_request"().
-- * Query/Statements.hs mainCall, Query/QueryBuilder.hs callPlanToQuery,
--   Query/SqlFragment.hs: the main statement. GET passes each query
--   parameter named as an argument as "arg" := $n::type; POST binds the
--   body as one json parameter and reads it with json_to_record
--   (json_to_recordset for an array body), passing only the arguments the
--   body names. set_config values and GET arguments are bound with hasql's
--   Encoders.unknown (type oid 705, text format) and take the type the
--   statement gives them: PREPARE ... (unknown, ...) does the same.
--   page_total is 1 for a function that returns one value.
-- * Response.hs actionResponse: a function returning void answers 204 with
--   no body, whatever its statement returned.
-- * Plan.hs findProc: only a single UNNAMED json or jsonb parameter takes the
--   whole body. import_users(users jsonb) names its parameter, so its body is
--   {"users": [...]}; a bare array (its keys are its objects' keys) matches
--   no function: 404 PGRST202 before any SQL.
-- * Error.hs mapSQLtoHTTP: no error 200 (204 for void), 42501 401 when the
--   role is db-anon-role and 403 otherwise, 28000/28P01 403, PT404 404,
--   23505/PT409 409, PT429 429, PT503 503, 22023 400, 25006 405, 22P02 400.
-- * Auth/Jwt.hs: a malformed, forged or wrong-algorithm token is 401
--   PGRST301, an expired one (exp more than 30 s past) 401 PGRST303, before
--   any SQL; a valid token's claims go to request.jwt.claims. Here a token
--   is decoded in SQL.
-- Tokens change on every run, so only facts about them are printed; ids
-- depend on the suites run before, so none is printed.
-- Emails are unique to this file (postgrest-*@example.com).
\set VERBOSITY default
SELECT length(userservice.create_signing_key('HS256', 'postgrest-suite-secret-0123456789-abcdefgh')) AS kid_length;
SET userservice.login_max_failures = 3;

-- A token's payload.
CREATE FUNCTION pg_temp.jwt_payload(token text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_from(decode(translate(p, '-_', '+/') || repeat('=', (4 - length(p) % 4) % 4), 'base64'), 'UTF8')
    FROM split_part(token, '.', 2) AS p
$$;
-- request.jwt.claims as PostgREST sets it: the payload's claims, "role"
-- put in (the role claim, or db-anon-role without a token), encoded by
-- aeson's ordered KeyMap: keys in code point order, compact.
CREATE FUNCTION pg_temp.pgrst_claims(token text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT '{' || string_agg(to_json(k)::text || ':' || v, ',' ORDER BY k COLLATE "C") || '}'
    FROM (SELECT key, value::text FROM json_each(pg_temp.jwt_payload(token)::json) WHERE key <> 'role'
          UNION ALL
          SELECT 'role', to_json(coalesce(pg_temp.jwt_payload(token)::json->>'role', 'userservice_anon'))::text) AS c(k, v)
$$;
-- request.headers of a curl request (PostgREST keeps every header but
-- Cookie; the order of the keys is its HashMap's, so any).
CREATE FUNCTION pg_temp.pgrst_headers(token text, body text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT '{' || string_agg(to_json(k)::text || ':' || to_json(v)::text, ',' ORDER BY n) || '}'
    FROM (VALUES (1, 'host', 'localhost:3000'), (2, 'user-agent', 'curl/7.88.1'), (3, 'accept', '*/*'),
                 (4, 'authorization', 'Bearer ' || token),
                 (5, 'content-type', CASE WHEN body IS NOT NULL THEN 'application/json' END),
                 (6, 'content-length', octet_length(body)::text)) AS h(n, k, v)
    WHERE v IS NOT NULL
$$;
\set search_path '"userservice", "public"'
SELECT pg_temp.pgrst_claims(NULL) AS anon_claims \gset
SELECT :'anon_claims' AS anon_claims, pg_temp.pgrst_headers(NULL, '{}') AS anon_post_headers;

SELECT id AS pia_id FROM userservice.create_user('postgrest-pia@example.com', 'pia-password-1', 'Pia') \gset
SELECT id AS pam_id FROM userservice.create_user('postgrest-pam@example.com', 'pam-password-1', 'Pam') \gset
SELECT id AS pad_id FROM userservice.create_user('postgrest-pad@example.com', 'pad-password-1', 'Pad') \gset
SELECT id AS plo_id FROM userservice.create_user('postgrest-plo@example.com', 'plo-password-1', 'Plo') \gset
SELECT id AS pgl_id FROM userservice.create_user('postgrest-pgl@example.com', 'pgl-password-1', 'Pgl') \gset
SELECT role FROM userservice.update_user(:pad_id, '{"role": "admin"}');

-- What PostgREST's schema cache reads of the functions called here, and the
-- transaction mode it gives a POST (Plan.hs callReadPlan; a GET is always
-- READ ONLY) and the answer to a void one (Response.hs: 204).
SELECT p.proname AS function, pg_get_function_identity_arguments(p.oid) AS arguments,
       p.prorettype::regtype AS returns, p.provolatile AS volatility,
       CASE p.provolatile WHEN 'v' THEN 'READ WRITE' ELSE 'READ ONLY' END AS post_mode,
       p.prorettype = 'void'::regtype AS answers_204
FROM pg_proc p
WHERE p.pronamespace = 'userservice'::regnamespace
  AND p.proname IN ('check_request', 'create_user', 'login', 'me', 'get_user', 'list_users',
                    'update_user', 'logout_all', 'delete_user', 'import_users')
ORDER BY p.proname;

-- The authenticator role of the README (created here when missing, dropped
-- at the end if this file created it).
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') AS create_authenticator \gset
\if :create_authenticator
CREATE ROLE authenticator LOGIN NOINHERIT;
\endif
GRANT userservice_anon, userservice_user, userservice_admin TO authenticator;
SET SESSION AUTHORIZATION authenticator;
SELECT current_user, session_user;

-- The authenticator itself can do nothing: no function, no secret.
SELECT "userservice"."me"();
\echo :LAST_ERROR_SQLSTATE
SHOW userservice.jwt_secret;
\echo :LAST_ERROR_SQLSTATE

----------------------------------------------------------------------
-- The statements PostgREST prepares. hasql prepares each the first time a
-- connection runs it, inside that request's transaction after the role is
-- set (the authenticator has no USAGE on schema userservice, so it cannot
-- even parse them itself); a prepared statement outlives its transaction.
-- Here they are all prepared up front in one transaction as anon.
----------------------------------------------------------------------

-- The request's settings (PreQuery.hs txVarQuery).
PREPARE pgrst_tx(unknown, unknown, unknown, unknown, unknown, unknown, unknown) AS
select set_config('search_path', $1, true), set_config('role', $2, true), set_config('request.jwt.claims', $3, true), set_config('request.method', $4, true), set_config('request.path', $5, true), set_config('request.headers', $6, true), set_config('request.cookies', $7, true);
SELECT parameter_types FROM pg_prepared_statements WHERE name = 'pgrst_tx';
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'GET', '/rpc/me', pg_temp.pgrst_headers(NULL, NULL), '{}') \gset pgrst_
-- The pre-request call (PreQuery.hs preReqQuery).
PREPARE pgrst_pre AS
select "userservice"."check_request"();
-- POST /rpc/create_user {email, password, display_name}
PREPARE pgrst_create_user(json) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "email", "password", "display_name" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text, "display_name" text) LIMIT 1) pgrst_body , LATERAL "userservice"."create_user"("email" := pgrst_body."email", "password" := pgrst_body."password", "display_name" := pgrst_body."display_name") pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "user_profile".* FROM "pgrst_source" AS "user_profile"   ) _postgrest_t;
-- POST /rpc/login {email, password}
PREPARE pgrst_login(json) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "email", "password" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text) LIMIT 1) pgrst_body , LATERAL "userservice"."login"("email" := pgrst_body."email", "password" := pgrst_body."password") pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "login_result".* FROM "pgrst_source" AS "login_result"   ) _postgrest_t;
-- GET /rpc/login?email=...&password=...
PREPARE pgrst_login_get(unknown, unknown) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM "userservice"."login"("email" := $1::text, "password" := $2::text) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "login_result".* FROM "pgrst_source" AS "login_result"   ) _postgrest_t;
-- GET /rpc/me, and POST /rpc/me with no body or {}
PREPARE pgrst_me AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM "userservice"."me"() pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "user_profile".* FROM "pgrst_source" AS "user_profile"   ) _postgrest_t;
-- GET /rpc/get_user?user_id=...
PREPARE pgrst_get_user_get(unknown) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM "userservice"."get_user"("user_id" := $1::bigint) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "user_profile".* FROM "pgrst_source" AS "user_profile"   ) _postgrest_t;
-- POST /rpc/get_user {user_id}
PREPARE pgrst_get_user(json) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "user_id" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint) LIMIT 1) pgrst_body , LATERAL "userservice"."get_user"("user_id" := pgrst_body."user_id") pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "user_profile".* FROM "pgrst_source" AS "user_profile"   ) _postgrest_t;
-- GET /rpc/list_users?page_size=...&after_id=... (a set: page_total counts
-- its rows, the body is an array)
PREPARE pgrst_list_users_get(unknown, unknown) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM "userservice"."list_users"("page_size" := $1::integer, "after_id" := $2::bigint) pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "user_profile".* FROM "pgrst_source" AS "user_profile"   ) _postgrest_t;
-- POST /rpc/list_users {page_size, after_id}
PREPARE pgrst_list_users(json) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "page_size", "after_id" FROM json_to_record(pgrst_payload.json_data) AS _("page_size" integer, "after_id" bigint) LIMIT 1) pgrst_body , LATERAL "userservice"."list_users"("page_size" := pgrst_body."page_size", "after_id" := pgrst_body."after_id") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "user_profile".* FROM "pgrst_source" AS "user_profile"   ) _postgrest_t;
-- POST /rpc/update_user {user_id, patch}
PREPARE pgrst_update_user(json) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body , LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "user_profile".* FROM "pgrst_source" AS "user_profile"   ) _postgrest_t;
-- POST /rpc/update_user {user_id, patch, expected_version}: a third key, a
-- third argument
PREPARE pgrst_update_user_v(json) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch", "expected_version" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb, "expected_version" integer) LIMIT 1) pgrst_body , LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch", "expected_version" := pgrst_body."expected_version") pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "user_profile".* FROM "pgrst_source" AS "user_profile"   ) _postgrest_t;
-- GET /rpc/logout_all, and POST /rpc/logout_all with no body or {}: the
-- same statement (void: a scalar)
PREPARE pgrst_logout_all AS
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT "userservice"."logout_all"() pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "logout_all".* FROM "pgrst_source" AS "logout_all"   ) _postgrest_t;
-- GET /rpc/delete_user?user_id=...
PREPARE pgrst_delete_user_get(unknown) AS
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT "userservice"."delete_user"("user_id" := $1::bigint) pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "delete_user".* FROM "pgrst_source" AS "delete_user"   ) _postgrest_t;
-- POST /rpc/delete_user {user_id}
PREPARE pgrst_delete_user(json) AS
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "user_id" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint) LIMIT 1) pgrst_body , LATERAL (SELECT "userservice"."delete_user"("user_id" := pgrst_body."user_id") pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "delete_user".* FROM "pgrst_source" AS "delete_user"   ) _postgrest_t;
-- POST /rpc/import_users {users}
PREPARE pgrst_import_users(json) AS
WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "users" FROM json_to_record(pgrst_payload.json_data) AS _("users" jsonb) LIMIT 1) pgrst_body , LATERAL "userservice"."import_users"("users" := pgrst_body."users") pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "import_report".* FROM "pgrst_source" AS "import_report"   ) _postgrest_t;
ABORT;
-- What the server made of the unknown parameters and the body.
SELECT name, parameter_types FROM pg_prepared_statements WHERE name LIKE 'pgrst\_%' ORDER BY name;

----------------------------------------------------------------------
-- POST /rpc/create_user (anonymous sign-up; VOLATILE: READ WRITE)
----------------------------------------------------------------------

-- 200: the new user, always role 'user'.
\set body '{"email": "postgrest-new@example.com", "password": "new-password-1", "display_name": "New"}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/create_user', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_create_user(:'body') \gset new_
COMMIT;
SELECT :new_page_total AS page_total, :'new_body'::json->>'email' AS email, :'new_body'::json->>'role' AS role,
       :'new_body'::json->>'version' AS version, :'new_body'::jsonb ? 'hashed_password' AS shows_hash;

-- 409: the same email again, in another letter case (23505).
\set body '{"email": "Postgrest-New@example.com", "password": "new-password-1", "display_name": "New"}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/create_user', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_create_user(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;

----------------------------------------------------------------------
-- POST /rpc/login (VOLATILE: READ WRITE)
----------------------------------------------------------------------

-- 200: a bearer token that lives jwt_lifetime (default 3600) seconds.
\set body '{"email": "postgrest-pia@example.com", "password": "pia-password-1"}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/login', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_login(:'body') \gset login_
COMMIT;
SELECT :login_page_total AS page_total,
       :'login_body'::json->>'token_type' AS token_type,
       :'login_body'::json->>'expires_in' AS expires_in,
       array_length(string_to_array(:'login_body'::json->>'access_token', '.'), 1) AS token_parts;
SELECT :'login_body'::json->>'access_token' AS pia_token \gset
-- The claims PostgREST sets for this token: the payload's, keys sorted.
SELECT pg_temp.pgrst_claims(:'pia_token') AS pia_claims \gset
SELECT :'pia_claims'::json->>'sub' = :'pia_id' AS sub_is_pia, :'pia_claims'::json->>'role' AS role,
       (SELECT array_agg(k) FROM json_object_keys(:'pia_claims'::json) AS k) AS claim_keys,
       :'pia_claims'::jsonb = pg_temp.jwt_payload(:'pia_token')::jsonb AS same_claims;

-- The admin's token names the admin role.
\set body '{"email": "postgrest-pad@example.com", "password": "pad-password-1"}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/login', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_login(:'body') \gset login_
COMMIT;
SELECT :'login_body'::json->>'access_token' AS pad_token \gset
SELECT pg_temp.pgrst_claims(:'pad_token') AS pad_claims \gset
SELECT :'pad_claims'::json->>'role' AS role;

-- 403: a wrong password (28P01).
\set body '{"email": "postgrest-plo@example.com", "password": "wrong-password-1"}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/login', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_login(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 400: "password": null in the body: login gets NULL and names the field
-- (22023).
\set body '{"email": "postgrest-plo@example.com", "password": null}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/login', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_login(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 429: two more failures reach login_max_failures = 3; the next request,
-- with the right password, is refused (PT429). The failures were counted
-- although each request's transaction rolled back.
\set body '{"email": "postgrest-plo@example.com", "password": "wrong-password-2"}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/login', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_login(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;
\set body '{"email": "postgrest-plo@example.com", "password": "wrong-password-3"}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/login', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_login(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;
\set body '{"email": "postgrest-plo@example.com", "password": "plo-password-1"}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/login', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
\set VERBOSITY terse
EXECUTE pgrst_login(:'body');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ABORT;

----------------------------------------------------------------------
-- GET /rpc/login: READ ONLY like every GET. PostgREST does not refuse it
-- for login's volatility, and login writes nothing in the request's own
-- transaction (background workers commit its counts), so before the
-- read-only rule below it answered as a POST does, password in the URL.
-- Every function that takes a password refuses a read-only transaction
-- first (25006, 405): no token, no check of the password, nothing counted.
----------------------------------------------------------------------

-- 405: a wrong password, refused before it is checked or counted.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'GET', '/rpc/login', pg_temp.pgrst_headers(NULL, NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_login_get('postgrest-pgl@example.com', 'wrong-password-1');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 405: the right password gets no token either.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'GET', '/rpc/login', pg_temp.pgrst_headers(NULL, NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_login_get('postgrest-pgl@example.com', 'pgl-password-1');
\echo :LAST_ERROR_SQLSTATE
ABORT;
-- (Nothing was counted for pgl: see its absence from the counts at the end.)

-- 405: GET /rpc/create_user and GET /rpc/change_password, the same way
-- (as anon and as pia; no account, no hash, no count).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'GET', '/rpc/create_user', pg_temp.pgrst_headers(NULL, NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
SELECT * FROM "userservice"."create_user"("email" := 'postgrest-get@example.com', "password" := 'get-password-1', "display_name" := 'Get');
\echo :LAST_ERROR_SQLSTATE
ABORT;
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'GET', '/rpc/change_password', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
SELECT "userservice"."change_password"("current_password" := 'wrong-password-9', "new_password" := 'get-password-2');
\echo :LAST_ERROR_SQLSTATE
ABORT;
-- (No postgrest-get account: see the accounts listed at the end.)

----------------------------------------------------------------------
-- /rpc/me (STABLE): READ ONLY for GET and for POST
----------------------------------------------------------------------

-- 200: GET, the caller's own row; check_request runs inside the READ ONLY
-- transaction (SHOW is not sent by PostgREST: it shows the mode).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'GET', '/rpc/me', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
SHOW transaction_read_only;
SHOW search_path;
EXECUTE pgrst_pre;
EXECUTE pgrst_me \gset me_
COMMIT;
SELECT :me_page_total AS page_total, (:'me_body'::json->>'id') = :'pia_id' AS id_is_pia,
       :'me_body'::json->>'email' AS email, :'me_body'::json->>'role' AS role,
       :'me_body'::jsonb ? 'hashed_password' AS shows_hash;

-- 200: POST with no body: the same statement, READ ONLY too.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'POST', '/rpc/me', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
SHOW transaction_read_only;
EXECUTE pgrst_pre;
EXECUTE pgrst_me \gset me_
COMMIT;
SELECT :me_page_total AS page_total, :'me_body'::json->>'email' AS email;

-- 401: anonymous (42501 without a token).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'GET', '/rpc/me', pg_temp.pgrst_headers(NULL, NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_me;
\echo :LAST_ERROR_SQLSTATE
ABORT;

----------------------------------------------------------------------
-- /rpc/get_user (STABLE): GET with a text parameter, POST READ ONLY
----------------------------------------------------------------------

-- 200: GET ?user_id=<own id>; the text '<id>' becomes $1::bigint.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'GET', '/rpc/get_user', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_get_user_get(:'pia_id') \gset gu_
COMMIT;
SELECT :gu_page_total AS page_total, :'gu_body'::json->>'email' AS email;

-- 403: GET another user's id (42501).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'GET', '/rpc/get_user', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
\set VERBOSITY terse
EXECUTE pgrst_get_user_get(:'pam_id');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 400: GET ?user_id=abc: the text 'abc' is no bigint, the type the statement
-- gave $1 (22P02, raised as the value is bound, before get_user runs).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'GET', '/rpc/get_user', pg_temp.pgrst_headers(:'pad_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_get_user_get('abc');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 404: an admin GETs an id nobody has (PT404).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'GET', '/rpc/get_user', pg_temp.pgrst_headers(:'pad_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_get_user_get('9223372036854775807');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 200: an admin POSTs {"user_id": <pam>}: STABLE, so READ ONLY.
SELECT format('{"user_id": %s}', :pam_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'POST', '/rpc/get_user', pg_temp.pgrst_headers(:'pad_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_get_user(:'body') \gset gu_
COMMIT;
SELECT :gu_page_total AS page_total, :'gu_body'::json->>'email' AS email;

----------------------------------------------------------------------
-- /rpc/list_users (STABLE, admin): GET with text parameters, POST READ
-- ONLY. after_id = pia's id - 1, so the first row is pia's.
----------------------------------------------------------------------

SELECT :pia_id - 1 AS before_pia \gset
-- 200: GET ?page_size=1&after_id=<before pia>.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'GET', '/rpc/list_users', pg_temp.pgrst_headers(:'pad_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_list_users_get('1', :'before_pia') \gset lu_
COMMIT;
SELECT :lu_page_total AS page_total, json_array_length(:'lu_body'::json) AS rows,
       :'lu_body'::json->0->>'email' AS first_email;

-- 400: GET ?page_size=0 (22023).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'GET', '/rpc/list_users', pg_temp.pgrst_headers(:'pad_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_list_users_get('0', :'before_pia');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 403: a user's token (42501).
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'GET', '/rpc/list_users', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_list_users_get('1', :'before_pia');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 200: POST {"page_size": 2, "after_id": <before pia>}: READ ONLY.
SELECT format('{"page_size": 2, "after_id": %s}', :before_pia) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'POST', '/rpc/list_users', pg_temp.pgrst_headers(:'pad_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_list_users(:'body') \gset lu_
COMMIT;
SELECT :lu_page_total AS page_total, :'lu_body'::json->0->>'email' AS first_email,
       :'lu_body'::json->1->>'email' AS second_email;

----------------------------------------------------------------------
-- POST /rpc/update_user (VOLATILE: READ WRITE)
----------------------------------------------------------------------

-- 200: a user renames themselves.
SELECT format('{"user_id": %s, "patch": {"display_name": "Pia Renamed"}}', :pia_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(:'pia_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_update_user(:'body') \gset upd_
COMMIT;
SELECT :upd_page_total AS page_total, :'upd_body'::json->>'display_name' AS display_name,
       :'upd_body'::json->>'version' AS version;

-- 403: another user's id (42501).
SELECT format('{"user_id": %s, "patch": {"display_name": "Pam Renamed"}}', :pam_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(:'pia_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
\set VERBOSITY terse
EXECUTE pgrst_update_user(:'body');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 403: a user promoting themselves (42501).
SELECT format('{"user_id": %s, "patch": {"role": "admin"}}', :pia_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(:'pia_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_update_user(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 401: anonymous (42501 without a token).
SELECT format('{"user_id": %s, "patch": {"display_name": "Anon Was Here"}}', :pia_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_anon', :'anon_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(NULL, :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_update_user(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 409: an email another user has (23505).
SELECT format('{"user_id": %s, "patch": {"email": "POSTGREST-PAM@example.com"}}', :pia_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(:'pia_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_update_user(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 409: a stale expected_version (PT409).
SELECT format('{"user_id": %s, "patch": {"display_name": "Pia Stale"}, "expected_version": 1}', :pia_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(:'pia_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
\set VERBOSITY terse
EXECUTE pgrst_update_user_v(:'body');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 400: an unknown patch key (22023).
SELECT format('{"user_id": %s, "patch": {"nickname": "P"}}', :pia_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(:'pia_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_update_user(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 200: an admin patches another user.
SELECT format('{"user_id": %s, "patch": {"display_name": "Pam By Admin"}}', :pam_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(:'pad_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_update_user(:'body') \gset upd_
COMMIT;
SELECT :upd_page_total AS page_total, :'upd_body'::json->>'email' AS email, :'upd_body'::json->>'display_name' AS display_name;

-- 404: an admin patches an id nobody has (PT404).
\set body '{"user_id": 9223372036854775807, "patch": {"display_name": "Nobody"}}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'POST', '/rpc/update_user', pg_temp.pgrst_headers(:'pad_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_update_user(:'body');
\echo :LAST_ERROR_SQLSTATE
ABORT;

----------------------------------------------------------------------
-- POST /rpc/import_users (VOLATILE: READ WRITE): the body names the
-- parameter, {"users": [...]}
----------------------------------------------------------------------

-- 200: one user imported.
\set body '{"users": [{"email": "postgrest-imp@example.com", "display_name": "Imp", "password": "imp-password-1"}]}'
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'POST', '/rpc/import_users', pg_temp.pgrst_headers(:'pad_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_import_users(:'body') \gset imp_
COMMIT;
SELECT :imp_page_total AS page_total, :'imp_body'::json->>'created' AS created,
       json_array_length(:'imp_body'::json->'ids') AS ids;
SELECT :'imp_body'::json->'ids'->>0 AS imp_id \gset

-- A bare array [{...}] never reaches SQL: its keys (email, display_name,
-- password) name no argument of import_users, and its one parameter has a
-- name, so it is not the unnamed json/jsonb parameter that takes a whole
-- body (Plan.hs findProc): 404 PGRST202. What the schema cache reads:
SELECT proargnames, proargtypes::regtype[] AS proargtypes, pronargdefaults
FROM pg_proc WHERE pronamespace = 'userservice'::regnamespace AND proname = 'import_users';

----------------------------------------------------------------------
-- GET on VOLATILE functions: READ ONLY, so their first write fails with
-- 25006 (405). PostgREST sends this; a POST would be READ WRITE.
----------------------------------------------------------------------

-- 405: GET /rpc/delete_user?user_id=<imported user>.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'GET', '/rpc/delete_user', pg_temp.pgrst_headers(:'pad_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_delete_user_get(:'imp_id');
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 405: GET /rpc/logout_all; pia's tokens stay valid.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'GET', '/rpc/logout_all', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_logout_all;
\echo :LAST_ERROR_SQLSTATE
ABORT;

----------------------------------------------------------------------
-- POST to void functions: 204, no body. The statement still returns its
-- row (body "", the JSON of a void value); Response.hs drops it because the
-- function returns void, and response.status (null) overrides nothing.
----------------------------------------------------------------------

-- 204: POST /rpc/delete_user {"user_id": <imported user>}.
SELECT format('{"user_id": %s}', :imp_id) AS body \gset
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'POST', '/rpc/delete_user', pg_temp.pgrst_headers(:'pad_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_delete_user(:'body') \gset del_
COMMIT;
SELECT :del_page_total AS page_total, :'del_body' AS body, :{?del_response_status} AS response_status_set;

-- 404: the same id again (PT404).
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_admin', :'pad_claims', 'POST', '/rpc/delete_user', pg_temp.pgrst_headers(:'pad_token', :'body'), '{}') \gset pgrst_
EXECUTE pgrst_pre;
\set VERBOSITY terse
EXECUTE pgrst_delete_user(:'body');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- 204: POST /rpc/logout_all with no body.
BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'POST', '/rpc/logout_all', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
EXECUTE pgrst_logout_all \gset out_
COMMIT;
SELECT :out_page_total AS page_total, :'out_body' AS body, :{?out_response_status} AS response_status_set;

-- 403: GET /rpc/me with the same token; db-pre-request refuses it (28000)
-- inside the READ ONLY transaction, before me() runs.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_tx(:'search_path', 'userservice_user', :'pia_claims', 'GET', '/rpc/me', pg_temp.pgrst_headers(:'pia_token', NULL), '{}') \gset pgrst_
EXECUTE pgrst_pre;
\echo :LAST_ERROR_SQLSTATE
ABORT;

-- Back to the superuser: what the requests above left behind.
RESET SESSION AUTHORIZATION;
DEALLOCATE ALL;
SELECT email, display_name, role, is_active
FROM userservice.users WHERE email LIKE 'postgrest-%' ORDER BY email;
SELECT u.email, a.failures, a.failures >= 3 AS locked
FROM userservice.users u, userservice.login_attempts(u.email) a
WHERE u.email LIKE 'postgrest-%' AND a.failures > 0 ORDER BY u.email;

REVOKE userservice_anon, userservice_user, userservice_admin FROM authenticator;
\if :create_authenticator
DROP ROLE authenticator;
\endif
