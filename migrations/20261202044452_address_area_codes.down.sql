-- reverse: modify "addresses" table
ALTER TABLE `addresses` DROP COLUMN `district_code`, DROP COLUMN `city_code`, DROP COLUMN `province_code`;
