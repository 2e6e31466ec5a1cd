-- modify "orders" table
ALTER TABLE `orders` MODIFY COLUMN `carrier` varchar(128) NULL, ADD COLUMN `cancel_reason` varchar(800) NULL;
-- modify "skus" table
ALTER TABLE `skus` ADD COLUMN `purchase_limit` bigint NOT NULL DEFAULT 0;
