\set id random(1, :scale)
SELECT * FROM userservice.get_user(:id);
