\set id random(1, :scale)
\set n random(1, 1000000000)
UPDATE userservice.users SET display_name = 'Name ' || :n::text, version = version + 1, updated_at = now() WHERE id = :id RETURNING id, email, display_name, is_active, role, version, created_at, updated_at;
