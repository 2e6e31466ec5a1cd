-- modify "order_lines" table
ALTER TABLE `order_lines` DROP FOREIGN KEY `order_lines_skus_sku`;
