-- A counter bumped by every write of a factor row. /verify reads the row without a lock and writes
-- it back only if the version is still the one it read (compare-and-set), so two replicas can never
-- both accept a code or both spend the same failure; the ORM's writes bump it too (@Version).
ALTER TABLE factor ADD COLUMN version bigint NOT NULL DEFAULT 0;
