-- modify "orders" table
-- Orders placed before this version start as cleared (0): whether their
-- cart clean-up happened was never recorded.
ALTER TABLE `orders` ADD COLUMN `cart_owed` bool NOT NULL DEFAULT 0, ADD INDEX `orderinfo_cart_owed_user_id` (`cart_owed`, `user_id`);
