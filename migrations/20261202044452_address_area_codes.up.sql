-- modify "addresses" table
ALTER TABLE `addresses` ADD COLUMN `province_code` varchar(6) NULL, ADD COLUMN `city_code` varchar(6) NULL, ADD COLUMN `district_code` varchar(6) NULL;
