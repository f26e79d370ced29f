//! The snapshot every lookup reads: the stored records validated into a core
//! `Dataset`, the published rota versions as a versioned `RotaBook`, and the cover
//! index over both. A snapshot never changes; a write builds the next one and swaps it
//! in, so readers never wait and never see half a change.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveTime;
use renkei_core::calendar::{Instant, Month, jst_instant};
use renkei_core::cover::{CoverIndex, CoverJson, RotaBook, VersionScope};
use renkei_core::dataset::{self, DataFiles, Dataset, Problem, table_columns};
use renkei_core::rota::RotaRecords;
use serde_json::{Map, Value};

use crate::store::records::StoredRecord;
use crate::store::rotas::{RotaRow, VersionRow};
use crate::store::{StoreError, parse_stamp};

/// The tables of the format as record kinds (the file name without its extension),
/// in the order the format reads them.
pub fn kinds() -> impl Iterator<Item = &'static str> {
    dataset::FILE_NAMES.iter().map(|file| file.rsplit_once('.').map_or(*file, |(stem, _)| stem))
}

/// The file of a record kind, if it is one.
pub fn file_of(kind: &str) -> Option<&'static str> {
    dataset::FILE_NAMES.iter().copied().find(|file| file.rsplit_once('.').is_some_and(|(stem, _)| stem == kind))
}

/// The id of the single `dataset` record (dataset.toml).
pub const DATASET_RECORD: &str = "dataset";

/// Records by kind, each kind in position order.
pub type Records = BTreeMap<String, Vec<StoredRecord>>;

/// Groups stored records by kind.
pub fn group_records(records: Vec<StoredRecord>) -> Records {
    let mut by_kind = Records::new();
    for record in records {
        by_kind.entry(record.kind.clone()).or_default().push(record);
    }
    for list in by_kind.values_mut() {
        list.sort_by_key(|record| record.position);
    }
    by_kind
}

/// The text of a cell as the format writes it.
pub fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// The files of the format from the records.
pub fn files_of(records: &Records) -> DataFiles {
    let mut files = DataFiles::new();
    for (kind, list) in records {
        let Some(file) = file_of(kind) else { continue };
        let text = match file {
            "dataset.toml" => list.first().map(|record| toml_text(&Value::Object(record.fields.clone()))),
            "groups.toml" => {
                let groups: Vec<Value> = list
                    .iter()
                    .map(|record| {
                        let mut table = Map::new();
                        table.insert("id".to_owned(), Value::String(record.id.clone()));
                        table.extend(record.fields.clone());
                        Value::Object(table)
                    })
                    .collect();
                let mut file = Map::new();
                file.insert("group".to_owned(), Value::Array(groups));
                Some(toml_text(&Value::Object(file)))
            }
            _ => table_columns(file).map(|(required, optional)| csv_text(list, required, optional)),
        };
        if let Some(text) = text {
            files.insert(file.to_owned(), text);
        }
    }
    files
}

fn csv_text(records: &[StoredRecord], required: &[&str], optional: &[&str]) -> String {
    let columns: Vec<&str> = required.iter().chain(optional).copied().collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&columns).expect("in memory");
    for record in records {
        let row: Vec<String> = columns
            .iter()
            .map(|&column| {
                if column == "id" {
                    record.id.clone()
                } else {
                    record.fields.get(column).map(cell_text).unwrap_or_default()
                }
            })
            .collect();
        writer.write_record(&row).expect("in memory");
    }
    String::from_utf8(writer.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}

fn toml_text(value: &Value) -> String {
    fn convert(value: &Value) -> Option<toml::Value> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(flag) => toml::Value::Boolean(*flag),
            Value::Number(number) => match number.as_i64() {
                Some(integer) => toml::Value::Integer(integer),
                None => toml::Value::Float(number.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(text) => toml::Value::String(text.clone()),
            Value::Array(items) => toml::Value::Array(items.iter().filter_map(convert).collect()),
            Value::Object(map) => {
                toml::Value::Table(map.iter().filter_map(|(key, value)| Some((key.clone(), convert(value)?))).collect())
            }
        })
    }
    convert(value).map(|value| toml::to_string(&value).unwrap_or_default()).unwrap_or_default()
}

fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(text) => Value::String(text.clone()),
        toml::Value::Integer(integer) => Value::from(*integer),
        toml::Value::Float(float) => Value::from(*float),
        toml::Value::Boolean(flag) => Value::Bool(*flag),
        toml::Value::Datetime(datetime) => Value::String(datetime.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => {
            Value::Object(table.iter().map(|(key, value)| (key.clone(), toml_to_json(value))).collect())
        }
    }
}

/// The records of a data directory's files (as `dataset::write` writes them).
pub fn records_of(files: &DataFiles, now: &str, by: &str) -> Vec<StoredRecord> {
    let record = |kind: &str, id: String, position: usize, fields: Map<String, Value>| StoredRecord {
        kind: kind.to_owned(),
        id,
        position: position as i64,
        fields,
        version: 1,
        updated_at: now.to_owned(),
        updated_by: by.to_owned(),
    };
    let mut records = Vec::new();
    for (file, text) in files {
        let kind = file.rsplit_once('.').map_or(file.as_str(), |(stem, _)| stem);
        match file.as_str() {
            "dataset.toml" => {
                if let Ok(toml::Value::Table(table)) = text.parse::<toml::Table>().map(toml::Value::Table)
                    && let Value::Object(fields) = toml_to_json(&toml::Value::Table(table))
                {
                    records.push(record(kind, DATASET_RECORD.to_owned(), 0, fields));
                }
            }
            "groups.toml" => {
                let Ok(table) = text.parse::<toml::Table>() else { continue };
                let Some(toml::Value::Array(groups)) = table.get("group") else { continue };
                for (position, group) in groups.iter().enumerate() {
                    let Value::Object(mut fields) = toml_to_json(group) else { continue };
                    let id = fields.remove("id").map(|id| cell_text(&id)).unwrap_or_default();
                    records.push(record(kind, id, position, fields));
                }
            }
            _ if table_columns(file).is_some() => {
                let mut reader = csv::Reader::from_reader(text.as_bytes());
                let Ok(headers) = reader.headers().cloned() else { continue };
                for (position, row) in reader.records().filter_map(Result::ok).enumerate() {
                    let mut fields = Map::new();
                    let mut id = format!("S{}", position + 1);
                    for (column, cell) in headers.iter().zip(row.iter()) {
                        if column == "id" {
                            id = cell.to_owned();
                        } else if !cell.is_empty() {
                            fields.insert(column.to_owned(), Value::String(cell.to_owned()));
                        }
                    }
                    records.push(record(kind, id, position, fields));
                }
            }
            _ => {}
        }
    }
    records
}

/// What made a snapshot impossible: the data's problems, or a published rota that no
/// longer fits the data.
#[derive(Debug)]
pub enum BuildError {
    /// The records do not make a valid dataset.
    Invalid(Vec<Problem>),
    /// A published rota names what the data no longer has.
    Rota(Vec<Problem>),
    /// A stored value is unreadable.
    Store(StoreError),
}

/// The instant `month` starts (JST midnight of its first day).
pub fn month_start(month: Month) -> Instant {
    jst_instant(month.first_day(), NaiveTime::MIN)
}

/// The instant after `month` ends.
pub fn month_end(month: Month) -> Instant {
    jst_instant(month.last_day().succ_opt().expect("in range"), NaiveTime::MIN)
}

/// The published versions as a versioned book.
fn book_of(dataset: &Dataset, rotas: &[RotaRow], versions: &[VersionRow]) -> Result<RotaBook, BuildError> {
    let mut book = RotaBook::new(dataset);
    let mut problems = Vec::new();
    for rota in rotas {
        let Ok(month) = rota.month.parse::<Month>() else { continue };
        let groups = rota.groups.iter().filter_map(|id| dataset.groups.lookup(id)).collect();
        let scope = VersionScope { groups, from: month_start(month), to: month_end(month) };
        let mut published: Vec<&VersionRow> =
            versions.iter().filter(|v| v.rota == rota.id && v.published_at.is_some()).collect();
        published.sort_by(|a, b| a.published_at.cmp(&b.published_at).then(a.version.cmp(&b.version)));
        for (n, version) in published.into_iter().enumerate() {
            let records: RotaRecords = serde_json::from_str(&version.records).map_err(|error| {
                BuildError::Store(StoreError::Corrupt { what: "rota_versions.records", detail: error.to_string() })
            })?;
            let in_force_from = match (n, &version.published_at) {
                (0, _) | (_, None) => None,
                (_, Some(at)) => Some(parse_stamp(at).map_err(BuildError::Store)?),
            };
            if let Err(error) = book.add_version(dataset, &records, &scope, in_force_from) {
                problems.push(Problem {
                    file: "rotas".to_owned(),
                    line: None,
                    record: Some(format!("{} v{}", rota.id, version.version)),
                    field: None,
                    message: format!("公開済みの当番表がデータと合いません ({error})"),
                });
            }
        }
    }
    if problems.is_empty() { Ok(book) } else { Err(BuildError::Rota(problems)) }
}

/// The dataset and the book the cover index borrows.
pub struct Base {
    /// The validated data.
    pub dataset: Dataset,
    /// The published rotas.
    pub book: RotaBook,
    /// The contacts' JSON, escaped once, and the patients' heads, for cover answers.
    pub cover_json: CoverJson,
}

type Index<'a> = CoverIndex<'a>;

self_cell::self_cell!(
    struct Lookup {
        owner: Base,
        #[covariant]
        dependent: Index,
    }
);

/// Everything lookups read, at one state version.
pub struct Snapshot {
    /// The state version it was built at.
    pub version: i64,
    /// The stored records, by kind.
    pub records: Records,
    /// The files the records make (kept to rebuild after a change of one kind).
    pub files: DataFiles,
    /// Rotas.
    pub rotas: Vec<RotaRow>,
    /// Every rota version.
    pub versions: Vec<VersionRow>,
    lookup: Lookup,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("version", &self.version).finish_non_exhaustive()
    }
}

impl Snapshot {
    /// Validates the records and rotas into a snapshot.
    pub fn build(
        version: i64,
        records: Records,
        rotas: Vec<RotaRow>,
        versions: Vec<VersionRow>,
    ) -> Result<Self, BuildError> {
        let files = files_of(&records);
        Self::build_with_files(version, records, files, rotas, versions)
    }

    /// As [`Snapshot::build`], with the files already made from the records.
    pub fn build_with_files(
        version: i64,
        records: Records,
        files: DataFiles,
        rotas: Vec<RotaRow>,
        versions: Vec<VersionRow>,
    ) -> Result<Self, BuildError> {
        let mut all = files.clone();
        if !all.contains_key("dataset.toml") {
            // An empty store is an empty, valid dataset.
            all.insert("dataset.toml".to_owned(), format!("format = {}\nname = \"\"\n", dataset::FORMAT_VERSION));
        }
        let dataset = dataset::parse(&all).map_err(|invalid| BuildError::Invalid(invalid.problems))?;
        let book = book_of(&dataset, &rotas, &versions)?;
        let lookup = Lookup::new(Base { cover_json: CoverJson::new(&dataset), dataset, book }, |base| {
            CoverIndex::new(&base.dataset, &base.book)
        });
        Ok(Self { version, records, files, rotas, versions, lookup })
    }

    /// The validated data.
    pub fn dataset(&self) -> &Dataset {
        &self.lookup.borrow_owner().dataset
    }

    /// The published rotas.
    pub fn book(&self) -> &RotaBook {
        &self.lookup.borrow_owner().book
    }

    /// The contacts' JSON and the patients' heads, for writing cover answers.
    pub fn cover_json(&self) -> &CoverJson {
        &self.lookup.borrow_owner().cover_json
    }

    /// The cover index.
    pub fn index(&self) -> &CoverIndex<'_> {
        self.lookup.borrow_dependent()
    }

    /// One stored record.
    pub fn record(&self, kind: &str, id: &str) -> Option<&StoredRecord> {
        self.records.get(kind)?.iter().find(|record| record.id == id)
    }

    /// A rota.
    pub fn rota(&self, id: &str) -> Option<&RotaRow> {
        self.rotas.iter().find(|rota| rota.id == id)
    }

    /// A rota's versions, oldest first.
    pub fn versions_of<'s, 'r>(&'s self, rota: &'r str) -> impl Iterator<Item = &'s VersionRow> + use<'s, 'r> {
        self.versions.iter().filter(move |version| version.rota == rota)
    }

    /// The latest published version of a rota.
    pub fn published(&self, rota: &str) -> Option<&VersionRow> {
        self.versions_of(rota).filter(|version| version.published_at.is_some()).max_by_key(|version| version.version)
    }

    /// Per rota id, the number of records of each kind (for `/readyz`-style summaries).
    pub fn counts(&self) -> HashMap<&str, usize> {
        self.records.iter().map(|(kind, list)| (kind.as_str(), list.len())).collect()
    }
}
