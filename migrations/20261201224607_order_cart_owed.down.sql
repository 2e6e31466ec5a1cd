-- reverse: modify "orders" table
ALTER TABLE `orders` DROP INDEX `orderinfo_cart_owed_user_id`, DROP COLUMN `cart_owed`;
