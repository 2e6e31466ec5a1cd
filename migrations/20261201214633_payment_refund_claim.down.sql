-- reverse: modify "payments" table
ALTER TABLE `payments` DROP INDEX `payment_refunded_at_refund_no`, DROP COLUMN `refund_requested_at`;
