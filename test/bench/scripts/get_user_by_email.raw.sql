-- /*key*/ marks where run.sh adds the collation of the uq_users_email index
-- (e.g. COLLATE "und-x-icu"), so that this lookup uses that index.
\set id random(1, :scale)
SELECT id, email, display_name, is_active, role, version, created_at, updated_at FROM userservice.users WHERE lower(email /*key*/) = lower('User' || :id::text || '@Example.COM' /*key*/);
