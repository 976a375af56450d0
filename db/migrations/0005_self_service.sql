-- Self-service Account Security page: browser sessions, kept here so that every replica
-- knows them, and TOTP recovery codes. Both are stored only as HMAC-SHA-256 under the pepper.

CREATE TABLE self_service_sessions (
    id_hash         bytea PRIMARY KEY CHECK (length(id_hash) = 32),  -- HMAC(pepper, cookie value)
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),  -- absolute expiry counts from here
    last_seen_at    timestamptz NOT NULL DEFAULT now(),  -- idle expiry counts from here
    client_address  text NOT NULL DEFAULT ''
);
-- Ending a user's other sessions on a password change, and the ON DELETE CASCADE.
CREATE INDEX self_service_sessions_user_id ON self_service_sessions (user_id);

CREATE TABLE recovery_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash        bytea NOT NULL CHECK (length(hash) = 32),  -- HMAC(pepper, normalized code)
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz                                 -- each code works once
);
CREATE UNIQUE INDEX recovery_codes_user_hash ON recovery_codes (user_id, hash);
