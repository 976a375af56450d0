-- latchkey schema, first version. Secrets are stored only as keyed hashes (HMAC-SHA-256
-- under the pepper), Argon2id PHC strings, or AES-256-GCM sealed bytes.

CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username             text NOT NULL
                         CHECK (length(username) BETWEEN 1 AND 128 AND username !~ '[:[:cntrl:]]'),
    email                text NOT NULL DEFAULT ''
                         CHECK (length(email) <= 254 AND email !~ '[[:cntrl:]]'),
    password_hash        text NOT NULL DEFAULT '',         -- Argon2id PHC string, '' = none
    totp_secret_sealed   bytea,                            -- AES-256-GCM, AAD "totp:user:<id>"
    totp_enabled         boolean NOT NULL DEFAULT false,   -- false while enrolment is pending
    totp_last_step       bigint,                           -- each time step accepted once
    disabled             boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT totp_enabled OR totp_secret_sealed IS NOT NULL),
    CHECK (totp_last_step IS NULL OR totp_secret_sealed IS NOT NULL)
);
-- Usernames are unique regardless of case: "Alice" and "alice" are one account.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE app_passwords (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100 AND name !~ '[[:cntrl:]]'),
    hash             bytea NOT NULL CHECK (length(hash) = 32),  -- HMAC-SHA-256(pepper, canonical)
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz,
    last_used_at     timestamptz,
    last_used_from   text,
    last_used_agent  text,
    revoked_at       timestamptz
);
CREATE UNIQUE INDEX app_passwords_hash_key ON app_passwords (hash);
-- A name is reused once the password that carried it is revoked.
CREATE UNIQUE INDEX app_passwords_live_name_key ON app_passwords (user_id, name)
    WHERE revoked_at IS NULL;
-- Listing a user's passwords (revoked ones too) and the ON DELETE CASCADE from users.
CREATE INDEX app_passwords_user_id ON app_passwords (user_id);

CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    username    text NOT NULL DEFAULT '',   -- kept when the user row goes away
    event       text NOT NULL,              -- e.g. app_password.created, totp.enabled
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,  -- never a secret
    source      text NOT NULL DEFAULT ''    -- "cli", or the client address
);
CREATE INDEX audit_events_user_at ON audit_events (user_id, at);
