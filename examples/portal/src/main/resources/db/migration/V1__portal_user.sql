-- The portal's own users: an email, a bcrypt hash of the password, and whether sign-in needs a code.
-- totpd knows each of them by its id (as text); the TOTP secrets and backup codes live only there.
CREATE TABLE portal_user (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text        NOT NULL,
    password_hash text        NOT NULL,
    two_factor    boolean     NOT NULL DEFAULT false,
    -- Part of every session cookie: signing out raises it, which ends every cookie made before.
    session_epoch integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- One account per address, whatever its case.
CREATE UNIQUE INDEX portal_user_email ON portal_user (lower(email));
