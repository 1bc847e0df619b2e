-- Key rotation finds the rows on keys other than the first one through this index, so that its
-- count and its walk cost the rows left to move, not the size of the table: in steady state, every
-- row on the first key, both read nothing (issue 14). Additive: the previous version ignores it.
CREATE INDEX authenticator_secret_key ON authenticator (secret_key_id, id);
