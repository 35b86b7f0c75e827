-- 040_security.sql - accounts, bearer tokens (sessions and integration API keys), the audit
-- log, login attempts for rate limiting, and the scope function unit_in_scope().
--
-- Owner: security engineer (server/api/auth.c, server/cli/account.c). Design and threat model:
-- docs/security.md. Roles: /work/shared/domain.md §11 (server/domain/role.h).
-- Secrets are never stored: passwords as Argon2id PHC strings, tokens as SHA-256 hex.

-- A person at a counter or in a unit (staff), or a system bound to units (integration).
CREATE TABLE account (
    id                  bigserial PRIMARY KEY,
    login               text NOT NULL UNIQUE
                        CHECK (login ~ '^[a-z0-9][a-z0-9._-]{2,62}$'),
    display_name        text NOT NULL DEFAULT '' CHECK (length(display_name) <= 120),
    role                text NOT NULL
                        CHECK (role IN ('clerk', 'official', 'leader', 'supervisor',
                                        'integration', 'admin')),
    -- Scope root: the unit and its sub-units (unit_in_scope). Only an administrator may have
    -- none (before the catalogue is loaded, the first admin must exist to load it).
    unit_id             bigint REFERENCES unit(id),
    kind                text NOT NULL DEFAULT 'staff' CHECK (kind IN ('staff', 'integration')),
    password_hash       text,                       -- Argon2id PHC; NULL: cannot log in
    active              boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz,
    disabled_at         timestamptz,
    CHECK ((role = 'integration') = (kind = 'integration')),
    CHECK (unit_id IS NOT NULL OR role = 'admin'),
    -- Integration clients authenticate with API keys only.
    CHECK (kind = 'staff' OR password_hash IS NULL)
);

CREATE INDEX account_unit ON account (unit_id);

-- Bearer tokens: session tokens (mcs_, from POST /api/v1/auth/login, absolute expiry
-- MOTCUA_TOKEN_TTL) and API keys (mck_, no expiry unless set, revoked by an administrator).
-- The key is SHA-256 hex of the whole token string (core/token.h).
CREATE TABLE auth_token (
    token_hash   text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    id           bigserial NOT NULL UNIQUE,          -- public handle (/api-keys/{id}/revoke)
    account_id   bigint NOT NULL REFERENCES account(id),
    kind         text NOT NULL CHECK (kind IN ('session', 'api_key')),
    label        text NOT NULL DEFAULT '' CHECK (length(label) <= 120),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,                        -- NULL: no expiry (API keys)
    revoked_at   timestamptz,
    last_used_at timestamptz,
    created_by   bigint REFERENCES account(id),
    CHECK (kind = 'api_key' OR expires_at IS NOT NULL)
);

CREATE INDEX auth_token_account ON auth_token (account_id) WHERE revoked_at IS NULL;

-- Who did what, append-only. Refusals (401/403/429) and every login attempt, every account
-- and key change. Never a password, a token or a citizen's personal data in `detail`.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    account_id  bigint REFERENCES account(id),
    login       text,                                -- as presented (may not exist)
    action      text NOT NULL,                       -- 'login', 'logout', 'auth', 'account.create', ...
    target      text,                                -- route pattern, login, key id, ...
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    client_addr text,
    request_id  text,
    detail      jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_account ON audit_log (account_id, at DESC) WHERE account_id IS NOT NULL;

-- The audit trail is not edited: UPDATE and DELETE raise. (A retention purge is an explicit,
-- documented maintenance step that drops and re-creates this trigger in one transaction.)
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Login attempts for the rate limit (docs/security.md): shared by every worker and process
-- and kept across restarts, unlike an in-memory counter. Rows older than a day are purged
-- by the login statement itself, a hundred at a time.
CREATE TABLE login_attempt (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    login       text NOT NULL,
    client_addr text NOT NULL,
    success     boolean NOT NULL
);

CREATE INDEX login_attempt_login ON login_attempt (login, at);
CREATE INDEX login_attempt_addr ON login_attempt (client_addr, at);
CREATE INDEX login_attempt_at ON login_attempt (at);

-- (The functions of this migration are defined in sql/fn/10_catalog_scope.sql: sql/fn/README.)
