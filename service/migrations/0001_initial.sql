-- renkei's store. One schema for SQLite and PostgreSQL: only TEXT and BIGINT columns
-- (times are UTC RFC 3339 text with a fixed width, so text order is time order; flags
-- are 0/1), no auto-increment (sequence numbers are assigned by the service inside the
-- writing transaction, and a primary key refuses a second writer of the same number).

-- The data of the backup system: every record of the data-directory format
-- (docs/data-format.md), one row each, as a JSON object of column -> cell text. Keeping
-- the records in the format's own shape gives one validation path
-- (renkei_core::dataset::parse) for files, bulk imports and API writes alike.
CREATE TABLE records (
    kind TEXT NOT NULL,          -- the table: 'patients', 'doctors', ... ('groups': one [[group]] of groups.toml; 'dataset': dataset.toml)
    id TEXT NOT NULL,            -- the record's id (symptoms, which have none, get 'S<n>')
    position BIGINT NOT NULL,    -- order within the table: files keep their row order
    fields TEXT NOT NULL,        -- JSON object
    version BIGINT NOT NULL,     -- 1 on creation, +1 on every change: the record's ETag
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

-- One row: the version of everything the lookups read (records and published rotas).
-- Every write advances it with a compare-and-set, so writes from several service
-- instances are serialised, and each instance sees when it must reload.
CREATE TABLE state (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO state (id, version, updated_at) VALUES (1, 0, '');

-- A rota: one month of some groups (solved jointly so a doctor in two groups is never
-- double-booked).
CREATE TABLE rotas (
    id TEXT PRIMARY KEY,
    month TEXT NOT NULL,         -- YYYY-MM
    groups TEXT NOT NULL,        -- JSON array of group ids
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- Versions of a rota. A version is never changed once written, except that publishing
-- stamps published_at once; a later change (swap, repair, edit) is a new version. A
-- lookup at instant T uses the latest version published at or before T, so history is
-- never rewritten.
CREATE TABLE rota_versions (
    rota TEXT NOT NULL,
    version BIGINT NOT NULL,
    origin TEXT NOT NULL,        -- solve / repair / swap / edit / import
    note TEXT NOT NULL,
    records TEXT NOT NULL,       -- JSON: renkei_core::rota::RotaRecords
    summary TEXT NOT NULL,       -- JSON: the validator's figures when it was made
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    published_at TEXT,
    published_by TEXT,
    PRIMARY KEY (rota, version)
);

-- Duty swaps: requested by a doctor (or by a coordinator on their behalf), accepted by
-- the other doctor (or on their behalf), approved by a coordinator, which publishes a
-- new rota version.
CREATE TABLE swaps (
    id TEXT PRIMARY KEY,
    rota TEXT NOT NULL,
    base_version BIGINT NOT NULL,
    state TEXT NOT NULL,         -- requested / accepted / approved / rejected / cancelled
    body TEXT NOT NULL,          -- JSON: the duties exchanged and the people involved
    result_version BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL      -- the swap's ETag
);

-- Background jobs (rota solves and repairs): never run on the async executor.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,          -- solve / repair
    rota TEXT NOT NULL,
    state TEXT NOT NULL,         -- queued / running / succeeded / failed / cancelled
    progress TEXT NOT NULL,      -- JSON: the solver's last progress report
    result_version BIGINT,
    error TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- API tokens: only the SHA-256 of a token is kept. role: admin / coordinator / doctor /
-- station / hospital; scope: the area, group, doctor, station or hospital id.
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,    -- '' / area / group / doctor / station / hospital
    scope_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Calendar feeds: an unguessable token per doctor or group, read-only, duties only.
CREATE TABLE feeds (
    hash TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,  -- doctor / group
    subject_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- Idempotency keys of creating POSTs: the first response is kept and replayed.
CREATE TABLE idempotency (
    token_hash TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,  -- method, path and body: a key reused for another request is refused
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (token_hash, key)
);

-- The audit trail: every read and write of patient data, and every provision of
-- patient data to a hospital or specialist. Append-only and hash-chained: each entry's
-- hash covers its fields and the previous entry's hash, so an altered, removed or
-- inserted entry breaks the chain (GET /audit/verify).
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,         -- the token's label
    role TEXT NOT NULL,          -- role and scope, e.g. 'hospital:H-NAKA-01'
    action TEXT NOT NULL,        -- read / create / update / delete / provide / ...
    resource TEXT NOT NULL,      -- e.g. 'GET /patients/P0001/cover'
    patient TEXT NOT NULL,       -- patient id, or '' when none
    detail TEXT NOT NULL,        -- what: items provided, recipient, fields changed
    result TEXT NOT NULL,        -- HTTP status
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient, seq);
