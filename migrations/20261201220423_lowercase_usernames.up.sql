-- Usernames are case-insensitive and stored lower-case (internal/auth).
-- UPDATE IGNORE skips a row whose lower-case name is already taken: that
-- shopper keeps the old spelling and signs in with the mobile number.
UPDATE IGNORE `users` SET `username` = LOWER(`username`) WHERE `username` <> LOWER(`username`);
