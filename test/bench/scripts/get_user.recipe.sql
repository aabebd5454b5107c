\set id random(1, :scale)
SELECT * FROM recipe.get_user(:id);
