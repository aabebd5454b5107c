SELECT recipe.verify_token(:rtoken);
