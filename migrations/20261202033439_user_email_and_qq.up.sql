-- modify "users" table
ALTER TABLE `users` ADD COLUMN `email` varchar(254) NULL, ADD COLUMN `email_verified` bool NOT NULL DEFAULT 0, ADD COLUMN `email_token` varchar(64) NULL, ADD COLUMN `qq_openid` varchar(64) NULL, ADD UNIQUE INDEX `qq_openid` (`qq_openid`);
