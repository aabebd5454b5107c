\set after random(0, :scale - 20)
SELECT id, email, display_name, is_active, role, version, created_at, updated_at FROM userservice.users WHERE id > :after ORDER BY id LIMIT 20;
