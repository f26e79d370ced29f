-- The audit trail in blocks: one row per append (a write's own entry, or a batch of
-- queued reads) instead of one per entry, so that a busy service can record every read.
-- The chain is unchanged: entry n's hash covers entry n-1's hash and entry n's fields.
-- A block keeps its entries as a JSON array of
-- [at, actor, role, action, resource, patient, detail, result], the hash before its
-- first entry and the hash of its last, and the patients its entries are about (a JSON
-- array, sorted); GET /audit/verify recomputes every entry.
CREATE TABLE audit_block (
    first_seq BIGINT PRIMARY KEY,  -- two writers from the same head collide here
    last_seq BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    entries TEXT NOT NULL,
    patients TEXT NOT NULL
);

-- Which blocks hold entries about a patient (one row per patient and block). Derived
-- from the blocks in the background, in large batches (a patient-ordered index written
-- with every append would rewrite pages all over it each time), and caught up before
-- every query by patient.
CREATE TABLE audit_patient (
    patient TEXT NOT NULL,
    first_seq BIGINT NOT NULL,
    PRIMARY KEY (patient, first_seq)
);

-- The last block in audit_patient (its first_seq), or 0.
CREATE TABLE audit_indexed (
    through BIGINT NOT NULL
);

-- Entries of the one-row-per-entry table become blocks of one entry. No field holds a
-- control character (see store/audit.rs), so escaping \ and " makes each a JSON string.
INSERT INTO audit_block (first_seq, last_seq, prev_hash, hash, patients, entries)
SELECT seq, seq, prev_hash, hash,
    CASE WHEN patient = '' THEN '[]' ELSE '["' || replace(replace(patient, '\', '\\'), '"', '\"') || '"]' END,
    '[["' || replace(replace(at, '\', '\\'), '"', '\"')
    || '","' || replace(replace(actor, '\', '\\'), '"', '\"')
    || '","' || replace(replace(role, '\', '\\'), '"', '\"')
    || '","' || replace(replace(action, '\', '\\'), '"', '\"')
    || '","' || replace(replace(resource, '\', '\\'), '"', '\"')
    || '","' || replace(replace(patient, '\', '\\'), '"', '\"')
    || '","' || replace(replace(detail, '\', '\\'), '"', '\"')
    || '","' || replace(replace(result, '\', '\\'), '"', '\"')
    || '"]]'
FROM audit_log;

INSERT INTO audit_patient (patient, first_seq) SELECT patient, seq FROM audit_log WHERE patient <> '';
INSERT INTO audit_indexed (through) SELECT COALESCE(MAX(seq), 0) FROM audit_log;

DROP TABLE audit_log;
