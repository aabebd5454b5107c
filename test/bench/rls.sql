-- rls.sql: what a PostgREST user writes instead of userservice's me(): the
-- recipe's users table read directly, a row-level-security policy keeping
-- each web user to the row its claims' sub names (PostgREST's GET /users).
-- The benchmark connects as a superuser, which RLS never applies to, so the
-- recipe's other rows are unchanged; the request switches to bench_web.
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_web') THEN
        CREATE ROLE bench_web NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA recipe TO bench_web;
GRANT SELECT (id, email, display_name, is_active, role, version, created_at, updated_at)
    ON recipe.users TO bench_web;
ALTER TABLE recipe.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_self ON recipe.users FOR SELECT TO bench_web
    USING (id = (current_setting('request.jwt.claims', true)::json ->> 'sub')::bigint);
