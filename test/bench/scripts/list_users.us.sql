\set after random(0, :scale - 20)
SELECT * FROM userservice.list_users(20, :after);
