SELECT userservice.verify_token(:token);
