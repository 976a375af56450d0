-- Account lock (DESIGN.md §5.5), shared by every replica: consecutive failed logins, the end
-- of the current lock, and how many locks came since the last successful login (each one
-- doubles the next lock, up to the configured maximum).

ALTER TABLE users
    ADD COLUMN failed_logins  int NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    ADD COLUMN locked_until   timestamptz,
    ADD COLUMN lock_count     int NOT NULL DEFAULT 0 CHECK (lock_count >= 0);
