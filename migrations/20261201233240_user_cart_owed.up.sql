-- modify "users" table
ALTER TABLE `users` ADD COLUMN `cart_owed` bool NOT NULL DEFAULT 0;
