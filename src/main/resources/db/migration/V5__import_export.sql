-- Import and export (issue 13). Both changes are additive: a replica of the previous version keeps
-- working on this schema during a rolling upgrade.

-- Secrets imported from older systems may hold fewer than the 128 bits RFC 4226 section 4 asks for
-- (80-bit keys, 16 Base32 characters, were common). They are accepted, and marked, so that operators
-- can find those users and ask them to enroll again. Secrets made here are always 160 bits.
ALTER TABLE authenticator ADD COLUMN weak_secret boolean NOT NULL DEFAULT false;

-- A tenant-wide event (the summary of an export) names no user.
ALTER TABLE audit_event ALTER COLUMN user_id DROP NOT NULL;
