-- modify "order_lines" table
ALTER TABLE `order_lines` ADD COLUMN `commented_at` datetime(6) NULL, DROP INDEX `ordergoods_sku_id_commented_created_at`, ADD INDEX `ordergoods_sku_id_commented_commented_at` (`sku_id`, `commented`, `commented_at`);
