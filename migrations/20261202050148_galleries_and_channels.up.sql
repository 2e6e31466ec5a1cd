-- modify "skus" table
ALTER TABLE `skus` ADD COLUMN `images` json NULL;
-- create "channel_groups" table
CREATE TABLE `channel_groups` (`id` bigint NOT NULL AUTO_INCREMENT, `created_at` datetime(6) NOT NULL, `updated_at` datetime(6) NOT NULL, `name` varchar(64) NOT NULL, `sort` bigint NOT NULL DEFAULT 0, PRIMARY KEY (`id`)) CHARSET utf8mb4 COLLATE utf8mb4_bin AUTO_INCREMENT 55834574848;
-- create "channels" table
CREATE TABLE `channels` (`id` bigint NOT NULL AUTO_INCREMENT, `created_at` datetime(6) NOT NULL, `updated_at` datetime(6) NOT NULL, `url` varchar(512) NOT NULL, `sort` bigint NOT NULL DEFAULT 0, `category_id` bigint NOT NULL, `group_id` bigint NOT NULL, PRIMARY KEY (`id`), INDEX `channels_categories_category` (`category_id`), INDEX `channels_channel_groups_channels` (`group_id`), CONSTRAINT `channels_categories_category` FOREIGN KEY (`category_id`) REFERENCES `categories` (`id`) ON UPDATE RESTRICT ON DELETE NO ACTION, CONSTRAINT `channels_channel_groups_channels` FOREIGN KEY (`group_id`) REFERENCES `channel_groups` (`id`) ON UPDATE RESTRICT ON DELETE NO ACTION) CHARSET utf8mb4 COLLATE utf8mb4_bin AUTO_INCREMENT 51539607552;
