-- The patient index in postings: one row per patient and run of the indexer, listing
-- the blocks of that run the patient's entries are in, instead of one row per patient
-- and block. With many patients nearly every read made a row of its own, several times
-- the size of the read's compressed entry; a run over a few seconds of a busy trail
-- meets most patients several times, and lists them in one row.
CREATE TABLE audit_posting (
    patient TEXT NOT NULL,
    last_block BIGINT NOT NULL,  -- the last of `blocks`: a patient's rows in chain order
    blocks TEXT NOT NULL,        -- JSON array of the blocks' first_seq, ascending
    PRIMARY KEY (patient, last_block)
);

INSERT INTO audit_posting (patient, last_block, blocks)
SELECT patient, first_seq, '[' || CAST(first_seq AS TEXT) || ']' FROM audit_patient;

DROP TABLE audit_patient;
