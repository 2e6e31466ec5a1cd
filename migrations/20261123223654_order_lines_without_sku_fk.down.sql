-- reverse: modify "order_lines" table
ALTER TABLE `order_lines` ADD CONSTRAINT `order_lines_skus_sku` FOREIGN KEY (`sku_id`) REFERENCES `skus` (`id`) ON UPDATE RESTRICT ON DELETE NO ACTION;
