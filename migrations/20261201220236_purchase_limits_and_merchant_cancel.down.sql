-- reverse: modify "skus" table
ALTER TABLE `skus` DROP COLUMN `purchase_limit`;
-- reverse: modify "orders" table
ALTER TABLE `orders` DROP COLUMN `cancel_reason`, MODIFY COLUMN `carrier` varchar(32) NULL;
