-- reverse: modify "users" table
ALTER TABLE `users` DROP INDEX `qq_openid`, DROP COLUMN `qq_openid`, DROP COLUMN `email_token`, DROP COLUMN `email_verified`, DROP COLUMN `email`;
