\set id random(1, :scale)
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('search_path', '"userservice", "public"', true), set_config('role', 'userservice_user', true), set_config('request.jwt.claims', '{"exp":4102444800,"role":"userservice_user","sub":"' || :id::text || '","tv":1}', true), set_config('request.method', 'GET', true), set_config('request.path', '/rpc/me', true), set_config('request.headers', '{"accept":"*/*"}', true), set_config('request.cookies', '{}', true);
SELECT "userservice"."check_request"();
WITH pgrst_source AS (SELECT pgrst_call.* FROM "userservice"."me"() pgrst_call) SELECT null::bigint AS total_result_set, 1 AS page_total, coalesce(json_agg(_postgrest_t)->0, 'null') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t;
COMMIT;
