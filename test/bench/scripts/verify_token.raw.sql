\set id random(1, :scale)
SELECT id, email, display_name, is_active, role, version, created_at, updated_at FROM userservice.users WHERE id = :id;
