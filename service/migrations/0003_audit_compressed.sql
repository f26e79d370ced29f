-- A block's entries are stored compressed: the same JSON array as `entries`, compressed
-- with zstd (a batch of reads repeats its actor, role, action and resource on every
-- entry, and compresses about 14 times). Blocks appended from now on keep their entries
-- here and leave `entries` empty; blocks written before keep theirs in `entries`. The
-- chain is unchanged: hashes cover the entries' fields, not how they are stored.
ALTER TABLE audit_block ADD COLUMN entries_zstd BYTEA;
