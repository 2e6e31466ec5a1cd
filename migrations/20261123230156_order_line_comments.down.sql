-- reverse: modify "order_lines" table
ALTER TABLE `order_lines` DROP INDEX `ordergoods_sku_id_commented_commented_at`, ADD INDEX `ordergoods_sku_id_commented_created_at` (`sku_id`, `commented`, `created_at`), DROP COLUMN `commented_at`;
