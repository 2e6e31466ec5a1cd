-- modify "payments" table
ALTER TABLE `payments` ADD COLUMN `refund_requested_at` datetime(6) NULL, ADD INDEX `payment_refunded_at_refund_no` (`refunded_at`, `refund_no`);
-- Older versions owed a refund only while they were asking Alipay for it: a
-- payment the order did not keep (it was canceled first) and that has no
-- refund_no yet is owed one now, so the sweeper finishes it.
UPDATE `payments` p JOIN `orders` o ON o.`id` = p.`order_id`
SET p.`refund_no` = CONCAT('refund-', p.`trade_no`)
WHERE p.`refund_no` IS NULL AND NOT (o.`trade_no` <=> p.`trade_no`);
