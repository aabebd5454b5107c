-- postgrest: the transactions PostgREST 12 sends for POST /rpc/create_user,
-- /rpc/login, /rpc/me, /rpc/update_user and /rpc/logout_all, replayed with
-- psql as the LOGIN role authenticator (NOINHERIT, granted the three web
-- roles), with check_request() as db-pre-request. PostgREST turns the
-- SQLSTATE into the HTTP status: none 200, 42501 401 as anon and 403 with a
-- token, 28000/28P01 403, PT404 404, 23505/PT409 409, PT429 429, 22023 400.
-- PostgREST checks a token's signature and exp itself and then sets
-- request.jwt.claims to its payload; here the payload is decoded in SQL.
-- Tokens change on every run, so only facts about them are printed.
-- Emails are unique to this file (postgrest-*@example.com).
\set VERBOSITY default
SELECT length(userservice.create_signing_key('HS256', 'postgrest-suite-secret-0123456789-abcdefgh')) AS kid_length;
SET userservice.login_max_failures = 3;

-- The claims PostgREST sets: the token's payload.
CREATE FUNCTION pg_temp.jwt_payload(token text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_from(decode(translate(p, '-_', '+/') || repeat('=', (4 - length(p) % 4) % 4), 'base64'), 'UTF8')
    FROM split_part(token, '.', 2) AS p
$$;

SELECT id AS pia_id FROM userservice.create_user('postgrest-pia@example.com', 'pia-password-1', 'Pia') \gset
SELECT id AS pam_id FROM userservice.create_user('postgrest-pam@example.com', 'pam-password-1', 'Pam') \gset
SELECT id AS pad_id FROM userservice.create_user('postgrest-pad@example.com', 'pad-password-1', 'Pad') \gset
SELECT id AS plo_id FROM userservice.create_user('postgrest-plo@example.com', 'plo-password-1', 'Plo') \gset
SELECT role FROM userservice.update_user(:pad_id, '{"role": "admin"}');

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
-- POST /rpc/create_user (anonymous sign-up)
----------------------------------------------------------------------

-- 200: the new user, always role 'user'.
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/create_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "postgrest-new@example.com", "password": "new-password-1", "display_name": "New"}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password", "display_name" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text, "display_name" text) LIMIT 1) pgrst_body, LATERAL "userservice"."create_user"("email" := pgrst_body."email", "password" := pgrst_body."password", "display_name" := pgrst_body."display_name") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t \gset new_
COMMIT;
SELECT :new_page_total AS page_total, :'new_body'::json->>'email' AS email, :'new_body'::json->>'role' AS role,
       :'new_body'::json->>'version' AS version, :'new_body'::jsonb ? 'hashed_password' AS shows_hash;

-- 409: the same email again, in another letter case (23505).
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/create_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "Postgrest-New@example.com", "password": "new-password-1", "display_name": "New"}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password", "display_name" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text, "display_name" text) LIMIT 1) pgrst_body, LATERAL "userservice"."create_user"("email" := pgrst_body."email", "password" := pgrst_body."password", "display_name" := pgrst_body."display_name") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

----------------------------------------------------------------------
-- POST /rpc/login
----------------------------------------------------------------------

-- 200: a bearer token that lives jwt_lifetime (default 3600) seconds.
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/login', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "postgrest-pia@example.com", "password": "pia-password-1"}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text) LIMIT 1) pgrst_body, LATERAL "userservice"."login"("email" := pgrst_body."email", "password" := pgrst_body."password") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t \gset login_
COMMIT;
SELECT :login_page_total AS page_total,
       :'login_body'::json->>'token_type' AS token_type,
       :'login_body'::json->>'expires_in' AS expires_in,
       array_length(string_to_array(:'login_body'::json->>'access_token', '.'), 1) AS token_parts;
SELECT :'login_body'::json->>'access_token' AS pia_token \gset
SELECT pg_temp.jwt_payload(:'pia_token') AS pia_claims \gset
SELECT :'pia_claims'::json->>'sub' = :'pia_id' AS sub_is_pia, :'pia_claims'::json->>'role' AS role;

-- The admin's token names the admin role.
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/login', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "postgrest-pad@example.com", "password": "pad-password-1"}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text) LIMIT 1) pgrst_body, LATERAL "userservice"."login"("email" := pgrst_body."email", "password" := pgrst_body."password") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t \gset login_
COMMIT;
SELECT pg_temp.jwt_payload(:'login_body'::json->>'access_token') AS pad_claims \gset
SELECT :'pad_claims'::json->>'role' AS role;

-- 403: a wrong password (28P01).
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/login', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "postgrest-plo@example.com", "password": "wrong-password-1"}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text) LIMIT 1) pgrst_body, LATERAL "userservice"."login"("email" := pgrst_body."email", "password" := pgrst_body."password") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- 400: "password": null in the body: login gets NULL and names the field
-- (22023).
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/login', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "postgrest-plo@example.com", "password": null}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text) LIMIT 1) pgrst_body, LATERAL "userservice"."login"("email" := pgrst_body."email", "password" := pgrst_body."password") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- 429: two more failures reach login_max_failures = 3; the next request,
-- with the right password, is refused (PT429). The failures were counted
-- although each request's transaction rolled back.
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/login', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "postgrest-plo@example.com", "password": "wrong-password-2"}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text) LIMIT 1) pgrst_body, LATERAL "userservice"."login"("email" := pgrst_body."email", "password" := pgrst_body."password") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/login', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "postgrest-plo@example.com", "password": "wrong-password-3"}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text) LIMIT 1) pgrst_body, LATERAL "userservice"."login"("email" := pgrst_body."email", "password" := pgrst_body."password") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/login', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
\set VERBOSITY terse
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"email": "postgrest-plo@example.com", "password": "plo-password-1"}'::json AS json_data) pgrst_payload, LATERAL (SELECT "email", "password" FROM json_to_record(pgrst_payload.json_data) AS _("email" text, "password" text) LIMIT 1) pgrst_body, LATERAL "userservice"."login"("email" := pgrst_body."email", "password" := pgrst_body."password") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
COMMIT;

----------------------------------------------------------------------
-- POST /rpc/me
----------------------------------------------------------------------

-- 200: the caller's own row.
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/me', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM "userservice"."me"() pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t \gset me_
COMMIT;
SELECT :me_page_total AS page_total, (:'me_body'::json->>'id') = :'pia_id' AS id_is_pia,
       :'me_body'::json->>'email' AS email, :'me_body'::json->>'role' AS role,
       :'me_body'::jsonb ? 'hashed_password' AS shows_hash;

-- 401: anonymous (42501 without a token).
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/me', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM "userservice"."me"() pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

----------------------------------------------------------------------
-- POST /rpc/update_user
----------------------------------------------------------------------

-- 200: a user renames themselves.
SELECT format('{"user_id": %s, "patch": {"display_name": "Pia Renamed"}}', :pia_id) AS payload \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT :'payload'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t \gset upd_
COMMIT;
SELECT :upd_page_total AS page_total, :'upd_body'::json->>'display_name' AS display_name,
       :'upd_body'::json->>'version' AS version;

-- 403: another user's id (42501).
SELECT format('{"user_id": %s, "patch": {"display_name": "Pam Renamed"}}', :pam_id) AS payload \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
\set VERBOSITY terse
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT :'payload'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- 403: a user promoting themselves (42501).
SELECT format('{"user_id": %s, "patch": {"role": "admin"}}', :pia_id) AS payload \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT :'payload'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- 401: anonymous (42501 without a token).
SELECT format('{"user_id": %s, "patch": {"display_name": "Anon Was Here"}}', :pia_id) AS payload \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_anon', true), set_config('request.jwt.claims', '{"role":"userservice_anon"}', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT :'payload'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- 409: an email another user has (23505).
SELECT format('{"user_id": %s, "patch": {"email": "POSTGREST-PAM@example.com"}}', :pia_id) AS payload \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT :'payload'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- 409: a stale expected_version (PT409); the body now has a third key, so
-- PostgREST passes a third argument.
SELECT format('{"user_id": %s, "patch": {"display_name": "Pia Stale"}, "expected_version": 1}', :pia_id) AS payload \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
\set VERBOSITY terse
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT :'payload'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch", "expected_version" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb, "expected_version" integer) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch", "expected_version" := pgrst_body."expected_version") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- 400: an unknown patch key (22023).
SELECT format('{"user_id": %s, "patch": {"nickname": "P"}}', :pia_id) AS payload \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT :'payload'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- 200: an admin patches another user.
SELECT format('{"user_id": %s, "patch": {"display_name": "Pam By Admin"}}', :pam_id) AS payload \gset
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_admin', true), set_config('request.jwt.claims', :'pad_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT :'payload'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t \gset upd_
COMMIT;
SELECT :upd_page_total AS page_total, :'upd_body'::json->>'email' AS email, :'upd_body'::json->>'display_name' AS display_name;

-- 404: an admin patches an id nobody has (PT404).
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_admin', true), set_config('request.jwt.claims', :'pad_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/update_user', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT '{"user_id": 9223372036854775807, "patch": {"display_name": "Nobody"}}'::json AS json_data) pgrst_payload, LATERAL (SELECT "user_id", "patch" FROM json_to_record(pgrst_payload.json_data) AS _("user_id" bigint, "patch" jsonb) LIMIT 1) pgrst_body, LATERAL "userservice"."update_user"("user_id" := pgrst_body."user_id", "patch" := pgrst_body."patch") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
\echo :LAST_ERROR_SQLSTATE
COMMIT;

----------------------------------------------------------------------
-- POST /rpc/logout_all, then the old token at db-pre-request
----------------------------------------------------------------------

-- 200 (a void function: PostgREST selects it as a scalar; body null).
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/logout_all', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT "userservice"."logout_all"() pgrst_scalar) pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
COMMIT;

-- 403: the same token again; db-pre-request refuses it (28000) before
-- me() runs.
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT set_config('search_path', '"userservice"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', :'pia_claims', true), set_config('request.method', 'POST', true), set_config('request.path', '/rpc/me', true), set_config('request.headers', '{"content-type":"application/json"}', true), set_config('request.cookies', '{}', true) \gset pgrst_
SELECT "userservice"."check_request"();
\echo :LAST_ERROR_SQLSTATE
COMMIT;

-- Back to the superuser: what the requests above left behind.
RESET SESSION AUTHORIZATION;
SELECT email, display_name, role, is_active
FROM userservice.users WHERE email LIKE 'postgrest-%' ORDER BY email;
SELECT u.email, a.failures, a.failures >= 3 AS locked
FROM userservice.users u, userservice.login_attempts(u.email) a
WHERE u.email LIKE 'postgrest-%' AND a.failures > 0 ORDER BY u.email;

REVOKE userservice_anon, userservice_user, userservice_admin FROM authenticator;
\if :create_authenticator
DROP ROLE authenticator;
\endif
