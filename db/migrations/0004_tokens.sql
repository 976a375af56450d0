-- Tokens (DESIGN.md §4): permanent tokens made by the CLI, and OAuth access and refresh tokens
-- issued against an application password. Stored only as HMAC-SHA-256 under the pepper.

-- Scopes an application password was created with; NULL means every scope.
ALTER TABLE app_passwords ADD COLUMN scopes text[];

-- One per grant: a password grant starts a family, each refresh continues it; reusing a
-- spent refresh token revokes the whole family (token theft detection).
CREATE SEQUENCE token_families;

CREATE TABLE tokens (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('permanent', 'access', 'refresh')),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100 AND name !~ '[[:cntrl:]]'),
    digest           bytea NOT NULL CHECK (length(digest) = 32),  -- HMAC-SHA-256(pepper, token)
    scopes           text[],                                      -- NULL: every scope
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz,
    revoked_at       timestamptz,
    last_used_at     timestamptz,
    last_used_from   text,
    -- Access and refresh tokens: the application password they came from (NULL when issued
    -- for an account password), their family, the refresh token they were made from, and
    -- the client_id that asked.
    app_password_id  bigint REFERENCES app_passwords (id) ON DELETE CASCADE,
    family_id        bigint,
    parent_id        bigint REFERENCES tokens (id) ON DELETE SET NULL,
    client_id        text CHECK (client_id IS NULL OR length(client_id) <= 200),
    used_at          timestamptz,  -- refresh tokens: when it was exchanged (each works once)
    CHECK (kind <> 'permanent' OR (app_password_id IS NULL AND family_id IS NULL)),
    CHECK (kind = 'permanent' OR family_id IS NOT NULL),
    CHECK (used_at IS NULL OR kind = 'refresh')
);
CREATE UNIQUE INDEX tokens_digest_key ON tokens (digest);
-- A permanent token's name is reused once the token that carried it is revoked.
CREATE UNIQUE INDEX tokens_live_name_key ON tokens (user_id, name)
    WHERE kind = 'permanent' AND revoked_at IS NULL;
CREATE INDEX tokens_user_id ON tokens (user_id);
CREATE INDEX tokens_app_password_id ON tokens (app_password_id) WHERE app_password_id IS NOT NULL;
CREATE INDEX tokens_family_id ON tokens (family_id) WHERE family_id IS NOT NULL;

-- Revoking an application password ends the tokens issued against it in the same
-- transaction, whoever revokes it (CLI, self-service page); the lookup also checks the
-- password, so nothing depends on this alone.
CREATE FUNCTION tokens_die_with_app_password() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tokens SET revoked_at = NEW.revoked_at
     WHERE app_password_id = NEW.id AND revoked_at IS NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER app_password_revoked AFTER UPDATE OF revoked_at ON app_passwords
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION tokens_die_with_app_password();
