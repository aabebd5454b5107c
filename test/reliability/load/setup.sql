-- test/reliability/load/setup.sql: the client side of the load and fault
-- tests. Every pgbench transaction is ONE call of a rel.* function below: it
-- switches to the web role PostgREST would use, calls the API, catches any
-- error, switches back and records the outcome in rel.outcome, all in the
-- same transaction. pgbench's transaction log (-l) says which transactions
-- the client saw committed; load_check.sql compares the two.
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS userservice;
SELECT userservice.create_signing_key('HS256')
 WHERE NOT EXISTS (SELECT FROM userservice.signing_keys WHERE state = 'signing');
DROP SCHEMA IF EXISTS rel CASCADE;
CREATE SCHEMA rel;
-- the functions switch to a web role for the API call, then call rel.record
GRANT USAGE ON SCHEMA rel TO PUBLIC;

-- One row per transaction: (run, client, n) is pgbench's (run id, client id,
-- transaction number of that client).
CREATE TABLE rel.outcome (
    run          int NOT NULL,
    client       int NOT NULL,
    n            int NOT NULL,
    op           text NOT NULL,
    ok           boolean NOT NULL,
    sqlstate     text,
    message      text,
    user_id      bigint,
    email        text,
    version      int,
    display_name text,
    post_id      bigint,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run, client, n)
);

-- What pgbench acknowledged, loaded from its logs after each run.
CREATE TABLE rel.acked (run int, client int, n int, script int, PRIMARY KEY (run, client, n));

CREATE FUNCTION rel.random_case(s text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(CASE WHEN random() < 0.5 THEN upper(c) ELSE lower(c) END, '' ORDER BY i)
    FROM unnest(string_to_array(s, NULL)) WITH ORDINALITY AS t(c, i)
$$;

CREATE FUNCTION rel.record(run int, client int, n int, op text, st text, msg text,
                           uid bigint DEFAULT NULL, e text DEFAULT NULL, v int DEFAULT NULL,
                           dn text DEFAULT NULL, pid bigint DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
    SELECT set_config('role', 'none', true), set_config('request.jwt.claims', '', true);
    INSERT INTO rel.outcome (run, client, n, op, ok, sqlstate, message, user_id, email, version, display_name, post_id)
    VALUES (run, client, n, op, st IS NULL, st, msg, uid, e, v, dn, pid);
$$;

-- A random existing user: (id, token_version, version).
-- (The sequence runs ahead of the table: a refused sign-up uses a number.)
CREATE FUNCTION rel.some_user(OUT id bigint, OUT tv int, OUT version int) LANGUAGE sql AS $$
    (SELECT u.id, u.token_version, u.version FROM userservice.users u
     WHERE u.id >= (SELECT floor(random() * last_value)::bigint + 1 FROM userservice.users_id_seq)
     ORDER BY u.id LIMIT 1)
    UNION ALL
    (SELECT u.id, u.token_version, u.version FROM userservice.users u ORDER BY u.id LIMIT 1)
    LIMIT 1
$$;

-- The claims PostgREST passes on from a token that login signed: sub, role,
-- iat, exp (which schema 1.3 requires) and tv.
CREATE FUNCTION rel.act_as(uid bigint, web_role text, tv int) RETURNS void LANGUAGE sql AS $$
    SELECT set_config('role', web_role, true),
           set_config('request.jwt.claims',
                      json_build_object('sub', uid::text, 'role', web_role,
                                        'iat', floor(extract(epoch FROM now()))::bigint,
                                        'exp', floor(extract(epoch FROM now()))::bigint + 600,
                                        'tv', tv)::text, true);
$$;

CREATE FUNCTION rel.act_as_user(uid bigint, tv int) RETURNS void LANGUAGE sql AS $$
    SELECT rel.act_as(uid, 'userservice_user', tv);
$$;

-- Sign-up: 40% race for one of four "hot" emails that change every 3 s, in
-- random letter case; the rest are unique.
CREATE FUNCTION rel.signup(run int, client int, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    e   text;
    uid bigint;
    st  text;
    msg text;
BEGIN
    IF random() < 0.4 THEN
        e := format('hot%s.%s@load.example', run, floor(extract(epoch FROM clock_timestamp()) / 3)::bigint % 100000 * 4
                                              + floor(random() * 4)::int);
    ELSE
        e := format('u%s.%s.%s@load.example', run, client, n);
    END IF;
    e := rel.random_case(e);
    PERFORM set_config('role', 'userservice_anon', true);
    BEGIN
        SELECT p.id INTO uid FROM userservice.create_user(e, 'load-password-1', format('Load %s.%s', client, n)) p;
    EXCEPTION WHEN OTHERS THEN
        st := SQLSTATE; msg := SQLERRM;
    END;
    PERFORM rel.record(run, client, n, 'signup', st, msg, uid, e);
END
$$;

-- Login: 80% right password (email in random case), 15% wrong, 5% unknown email.
CREATE FUNCTION rel.login(run int, client int, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    u   record;
    e   text;
    pw  text := 'load-password-1';
    r   float8 := random();
    st  text;
    msg text;
    tok text;
BEGIN
    SELECT * INTO u FROM rel.some_user();
    SELECT email INTO e FROM userservice.users WHERE id = u.id;
    IF r < 0.05 OR e IS NULL THEN
        e := format('nobody%s@load.example', n);
    ELSIF r < 0.20 THEN
        pw := 'wrong-password';
    END IF;
    e := rel.random_case(coalesce(e, 'x@load.example'));
    PERFORM set_config('role', 'userservice_anon', true);
    BEGIN
        SELECT access_token INTO tok FROM userservice.login(e, pw);
    EXCEPTION WHEN OTHERS THEN
        st := SQLSTATE; msg := SQLERRM;
    END;
    PERFORM rel.record(run, client, n, 'login', st, msg, u.id, e);
END
$$;

-- Read: a user reads itself (get_user, me) after PostgREST's pre-request check.
CREATE FUNCTION rel.get(run int, client int, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    u   record;
    st  text;
    msg text;
BEGIN
    SELECT * INTO u FROM rel.some_user();
    PERFORM rel.act_as_user(u.id, u.tv);
    BEGIN
        PERFORM userservice.check_request();
        PERFORM * FROM userservice.get_user(u.id);
        PERFORM * FROM userservice.me();
    EXCEPTION WHEN OTHERS THEN
        st := SQLSTATE; msg := SQLERRM;
    END;
    PERFORM rel.record(run, client, n, 'get', st, msg, u.id);
END
$$;

-- Write: a user patches its display name (10% with a stale expected_version)
-- or, one time in three, creates a post.
CREATE FUNCTION rel.patch(run int, client int, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    u    record;
    v    int;
    dn   text := format('Patched %s.%s.%s', run, client, n);
    pid  bigint;
    st   text;
    msg  text;
    post boolean := random() < 0.33;
BEGIN
    SELECT * INTO u FROM rel.some_user();
    PERFORM rel.act_as_user(u.id, u.tv);
    BEGIN
        IF post THEN
            SELECT x.id INTO pid FROM userservice.create_post(u.id, dn, repeat('body ', 20)) x;
        ELSE
            SELECT x.version INTO v FROM userservice.update_user(u.id, jsonb_build_object('display_name', dn),
                                   CASE WHEN random() < 0.1 THEN u.version - 1 ELSE u.version END) x;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        st := SQLSTATE; msg := SQLERRM;
    END;
    PERFORM rel.record(run, client, n, CASE WHEN post THEN 'post' ELSE 'patch' END, st, msg,
                       u.id, NULL, v, CASE WHEN post THEN NULL ELSE dn END, pid);
END
$$;

-- List: an administrator (seed1, see the end) pages through users (keyset),
-- sometimes with posts.
CREATE FUNCTION rel.list(run int, client int, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    u   record;
    a   record;
    st  text;
    msg text;
BEGIN
    SELECT * INTO u FROM rel.some_user();
    SELECT id, token_version INTO a FROM userservice.users WHERE email = 'seed1@seed.example';
    PERFORM rel.act_as(a.id, 'userservice_admin', a.token_version);
    BEGIN
        IF random() < 0.25 THEN
            PERFORM * FROM userservice.list_users_with_posts(10, u.id);
        ELSE
            PERFORM * FROM userservice.list_users(20, u.id);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        st := SQLSTATE; msg := SQLERRM;
    END;
    PERFORM rel.record(run, client, n, 'list', st, msg, u.id);
END
$$;

-- 100 users to start with, all with the load password.
SELECT created FROM userservice.import_users(
    (SELECT jsonb_agg(jsonb_build_object('email', format('seed%s@seed.example', i),
                                         'display_name', format('Seed %s', i),
                                         'password', 'load-password-1'))
     FROM generate_series(1, 100) i));

-- seed1 is the administrator of rel.list: promoted by the superuser, not
-- patched, so that its version stays 1 like every unpatched user's.
UPDATE userservice.users SET role = 'admin' WHERE email = 'seed1@seed.example';
