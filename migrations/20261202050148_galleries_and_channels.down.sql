-- reverse: create "channels" table
DROP TABLE `channels`;
-- reverse: create "channel_groups" table
DROP TABLE `channel_groups`;
-- reverse: modify "skus" table
ALTER TABLE `skus` DROP COLUMN `images`;
