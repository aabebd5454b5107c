-- test/reliability/load/check.sql: after a load (or fault) test, one row per
-- check: name, what was found, pass. Variables: allow_unacked (1 in the
-- fault test, where a transaction in flight at a crash may have committed
-- without pgbench seeing it).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset fieldsep ' | '
\pset tuples_only on
WITH
scripts(script, op) AS (VALUES (0, 'signup'), (1, 'login'), (2, 'get'), (3, 'patch'), (4, 'list')),
acked AS (SELECT a.*, s.op AS script_op FROM rel.acked a JOIN scripts s USING (script)),
signups AS (SELECT * FROM rel.outcome WHERE op = 'signup' AND ok),
load_users AS (SELECT * FROM userservice.users WHERE lower(email) LIKE '%@load.example'),
patches AS (SELECT * FROM rel.outcome WHERE op = 'patch' AND ok),
last_patch AS (SELECT DISTINCT ON (user_id) user_id, version, display_name FROM patches
               ORDER BY user_id, version DESC),
documented(st) AS (VALUES ('PT404'), ('23505'), ('PT409'), ('22023'), ('28P01'), ('28000'),
                          ('42501'), ('PT429'), ('40001'), ('40P01'))
SELECT * FROM (
  SELECT 'acknowledged transactions', count(*)::text, count(*) > 0 FROM acked
  UNION ALL
  SELECT 'acknowledged transactions whose outcome row is missing (lost writes)', count(*)::text, count(*) = 0
  FROM acked a LEFT JOIN rel.outcome o USING (run, client, n) WHERE o.run IS NULL
  UNION ALL
  SELECT 'acknowledged transactions recorded under another operation', count(*)::text, count(*) = 0
  FROM acked a JOIN rel.outcome o USING (run, client, n)
  WHERE o.op <> a.script_op AND NOT (a.script_op = 'patch' AND o.op = 'post')
  UNION ALL
  SELECT 'committed transactions pgbench did not see (in flight at a crash)', count(*)::text,
         count(*) = 0 OR :allow_unacked = 1
  FROM rel.outcome o LEFT JOIN rel.acked a USING (run, client, n) WHERE a.run IS NULL
  UNION ALL
  SELECT 'acknowledged sign-ups / successful ones', (SELECT count(*) FROM acked WHERE script_op = 'signup')
         || ' / ' || (SELECT count(*) FROM signups), true
  UNION ALL
  SELECT 'users created by the load = successful sign-ups',
         (SELECT count(*) FROM load_users) || ' = ' || (SELECT count(*) FROM signups),
         (SELECT count(*) FROM load_users) = (SELECT count(*) FROM signups)
  UNION ALL
  SELECT 'successful sign-ups without their user row', count(*)::text, count(*) = 0
  FROM signups s LEFT JOIN userservice.users u ON u.id = s.user_id AND lower(u.email) = lower(s.email)
  WHERE u.id IS NULL
  UNION ALL
  SELECT 'emails stored twice in any letter case', count(*)::text, count(*) = 0
  FROM (SELECT lower(email COLLATE "und-x-icu") FROM userservice.users GROUP BY 1 HAVING count(*) > 1) d
  UNION ALL
  SELECT 'emails two sign-ups were both told they got', count(*)::text, count(*) = 0
  FROM (SELECT lower(email COLLATE "und-x-icu") FROM signups GROUP BY 1 HAVING count(*) > 1) d
  UNION ALL
  SELECT 'duplicate sign-ups refused with 23505', count(*)::text, true
  FROM rel.outcome WHERE op = 'signup' AND sqlstate = '23505'
  UNION ALL
  SELECT 'users whose version is not 1 + their successful patches', count(*)::text, count(*) = 0
  FROM userservice.users u
  LEFT JOIN (SELECT user_id, count(*) AS k FROM patches GROUP BY 1) p ON p.user_id = u.id
  WHERE u.version <> 1 + coalesce(p.k, 0)
  UNION ALL
  SELECT 'users whose display name is not their last successful patch', count(*)::text, count(*) = 0
  FROM userservice.users u JOIN last_patch l ON l.user_id = u.id
  WHERE u.display_name <> l.display_name OR u.version <> l.version
  UNION ALL
  SELECT 'successful posts without their row', count(*)::text, count(*) = 0
  FROM rel.outcome o LEFT JOIN userservice.posts p ON p.id = o.post_id
  WHERE o.op = 'post' AND o.ok AND p.id IS NULL
  UNION ALL
  -- a load whose calls were all refused (claims the rules no longer accept)
  -- would pass every check above without testing anything
  SELECT 'operations that never succeeded', coalesce(string_agg(o.op, ', ' ORDER BY o.op), 'none'), count(*) = 0
  FROM (VALUES ('signup'), ('login'), ('get'), ('patch'), ('post'), ('list')) AS o(op)
  WHERE NOT EXISTS (SELECT FROM rel.outcome r WHERE r.op = o.op AND r.ok)
  UNION ALL
  SELECT 'errors with an undocumented SQLSTATE', coalesce(string_agg(DISTINCT sqlstate || ' ' || left(message, 120), '; '), '0'),
         count(*) = 0
  FROM rel.outcome WHERE NOT ok AND sqlstate NOT IN (SELECT st FROM documented)
) checks(name, found, pass);

-- the outcome of each operation, for the report
\pset tuples_only off
SELECT op, coalesce(sqlstate, 'ok') AS outcome, count(*) FROM rel.outcome GROUP BY 1, 2 ORDER BY 1, 2;
