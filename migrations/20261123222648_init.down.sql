-- reverse: create "sku_options" table
DROP TABLE `sku_options`;
-- reverse: create "specification_options" table
DROP TABLE `specification_options`;
-- reverse: create "sessions" table
DROP TABLE `sessions`;
-- reverse: create "payments" table
DROP TABLE `payments`;
-- reverse: create "order_lines" table
DROP TABLE `order_lines`;
-- reverse: create "skus" table
DROP TABLE `skus`;
-- reverse: create "orders" table
DROP TABLE `orders`;
-- reverse: create "goods_specifications" table
DROP TABLE `goods_specifications`;
-- reverse: create "goods" table
DROP TABLE `goods`;
-- reverse: create "categories" table
DROP TABLE `categories`;
-- reverse: create "addresses" table
DROP TABLE `addresses`;
-- reverse: create "users" table
DROP TABLE `users`;
-- reverse: create "api_keys" table
DROP TABLE `api_keys`;
