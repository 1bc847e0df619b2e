-- The replicas running the key rotation job, one row each, so that no replica re-encrypts while
-- another one encrypts with a different first key (a rolling change of the key order, README step 2).
-- Key ids only: never a key, a secret or a ciphertext. Each replica writes only its own row: at
-- start-up and with every rotation batch it renews its lease (expires_at, by the database clock, three
-- of its own rotation intervals ahead), and it deletes the row when it stops. The row of a replica
-- killed without a goodbye stops counting when its lease runs out; a later start-up deletes it.
CREATE TABLE key_ring_member (
    replica_id     uuid        PRIMARY KEY,
    primary_key_id varchar(32) NOT NULL,
    -- The configured key ids in their order, comma-separated: which replicas already know a new key.
    key_ids        text        NOT NULL,
    seen_at        timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);
