\set after random(0, :scale - 20)
SELECT * FROM recipe.list_users(20, :after);
