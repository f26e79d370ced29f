//! Reading one CSV table: header checks, then a [`Row`] accessor per record that
//! parses each field with a clear problem on failure.

use std::collections::{HashMap, HashSet};

use super::problem::Problem;
use crate::domain::{Entity, Id, Idx, Table};

/// Separator of list values inside one cell, e.g. `内科;緩和ケア`.
pub(crate) const LIST_SEPARATOR: char = ';';

/// The columns of a table.
pub(crate) struct Columns {
    pub(crate) required: &'static [&'static str],
    pub(crate) optional: &'static [&'static str],
}

impl Columns {
    /// All columns, required first, in the order files are written.
    pub(crate) fn all(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.required.iter().chain(self.optional).copied()
    }
}

/// A CSV file whose header has been checked.
pub(crate) struct CsvTable {
    file: &'static str,
    positions: HashMap<String, usize>,
    records: Vec<(usize, csv::StringRecord)>,
}

impl CsvTable {
    /// Reads `text`; on a bad header or unreadable file, records problems and gives `None`.
    pub(crate) fn read(file: &'static str, text: &str, columns: &Columns, problems: &mut Vec<Problem>) -> Option<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
        let at = |line: Option<usize>, field: Option<String>, message: String| Problem {
            file: file.to_owned(),
            line,
            record: None,
            field,
            message,
        };
        let headers = match reader.headers() {
            Ok(headers) => headers.clone(),
            Err(error) => {
                problems.push(at(Some(1), None, format!("見出し行を読めません (cannot read the header: {error})")));
                return None;
            }
        };
        let mut positions = HashMap::new();
        let mut header_ok = true;
        for (position, name) in headers.iter().enumerate() {
            let name = name.trim();
            if !columns.all().any(|known| known == name) {
                let expected = columns.all().collect::<Vec<_>>().join(",");
                problems.push(at(
                    Some(1),
                    Some(name.to_owned()),
                    format!("不明な列です (unknown column; the columns are: {expected})"),
                ));
                header_ok = false;
            } else if positions.insert(name.to_owned(), position).is_some() {
                problems.push(at(Some(1), Some(name.to_owned()), "列が重複しています (duplicate column)".to_owned()));
                header_ok = false;
            }
        }
        for required in columns.required {
            if !positions.contains_key(*required) {
                problems.push(at(
                    Some(1),
                    Some((*required).to_owned()),
                    "必須の列がありません (missing column)".to_owned(),
                ));
                header_ok = false;
            }
        }
        let mut records = Vec::new();
        for result in reader.records() {
            match result {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    if record.iter().all(|field| field.trim().is_empty()) {
                        continue; // blank lines in a spreadsheet export
                    }
                    records.push((line, record));
                }
                Err(error) => {
                    let line = error.position().map(|p| p.line() as usize);
                    let message = match error.kind() {
                        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                            format!(
                                "列の数が {len} です。見出しは {expected_len} 列です (row has {len} fields, header has {expected_len})"
                            )
                        }
                        csv::ErrorKind::Utf8 { .. } => {
                            "UTF-8 ではありません (not UTF-8; save the file as UTF-8)".to_owned()
                        }
                        _ => format!("CSV として読めません (unreadable CSV: {error})"),
                    };
                    problems.push(at(line, None, message));
                }
            }
        }
        header_ok.then_some(Self { file, positions, records })
    }

    /// The records with their line numbers.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(|(line, record)| Row {
            file: self.file,
            line: *line,
            record,
            positions: &self.positions,
            id: None,
            problems: Vec::new(),
            blocked: false,
        })
    }
}

/// One record being parsed. Each accessor records a problem when its field is bad and
/// returns `None`; the caller builds the entity only if [`Row::finish`] reports none.
pub(crate) struct Row<'t> {
    file: &'static str,
    pub(crate) line: usize,
    record: &'t csv::StringRecord,
    positions: &'t HashMap<String, usize>,
    id: Option<String>,
    problems: Vec<Problem>,
    /// Refers to a record that has problems of its own: held back without a problem of
    /// its own, so one mistake is reported once rather than in every dependent row.
    blocked: bool,
}

impl<'t> Row<'t> {
    /// The trimmed text of a column; empty if the column is absent.
    pub(crate) fn text(&self, column: &str) -> &'t str {
        self.positions.get(column).and_then(|&position| self.record.get(position)).map_or("", str::trim)
    }

    /// Records a problem on `column`.
    pub(crate) fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line: Some(self.line),
            record: self.id.clone(),
            field: Some(column.to_owned()),
            message: message.into(),
        });
    }

    /// The `id` column, remembered for later problems on this row.
    pub(crate) fn id(&mut self) -> Option<Id> {
        let id = self.required("id", Id::parse)?;
        self.id = Some(id.to_string());
        Some(id)
    }

    /// A required column, parsed.
    pub(crate) fn required<T>(&mut self, column: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let text = self.text(column);
        if text.is_empty() {
            self.problem(column, "必須項目が空です (required value is empty)");
            return None;
        }
        self.parsed(column, text, parse)
    }

    /// An optional column, parsed; `Ok(None)` when empty, `Err(())` when bad.
    pub(crate) fn optional<T>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ()> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(None);
        }
        self.parsed(column, text, parse).map(Some).ok_or(())
    }

    /// A `;`-separated list column; each bad item is a problem.
    pub(crate) fn list<T>(&mut self, column: &str, mut parse: impl FnMut(&str) -> Result<T, String>) -> Vec<T> {
        let items: Vec<&str> =
            self.text(column).split(LIST_SEPARATOR).map(str::trim).filter(|item| !item.is_empty()).collect();
        items.into_iter().filter_map(|item| self.parsed(column, item, &mut parse)).collect()
    }

    /// A required reference to an entity of `table`.
    pub(crate) fn reference<T: Entity>(&mut self, column: &str, table: &Built<T>) -> Option<Idx<T>> {
        let text = self.text(column);
        if text.is_empty() {
            self.problem(column, "必須項目が空です (required value is empty)");
            return None;
        }
        self.resolved(column, text, table)
    }

    /// An optional reference; `Err(())` when it does not resolve.
    pub(crate) fn optional_reference<T: Entity>(
        &mut self,
        column: &str,
        table: &Built<T>,
    ) -> Result<Option<Idx<T>>, ()> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(None);
        }
        self.resolved(column, text, table).map(Some).ok_or(())
    }

    /// A list of references.
    pub(crate) fn references<T: Entity>(&mut self, column: &str, table: &Built<T>) -> Vec<Idx<T>> {
        let items: Vec<&str> =
            self.text(column).split(LIST_SEPARATOR).map(str::trim).filter(|item| !item.is_empty()).collect();
        items.into_iter().filter_map(|item| self.resolved(column, item, table)).collect()
    }

    /// Holds the row back without a problem of its own (see `blocked`).
    pub(crate) fn block(&mut self) {
        self.blocked = true;
    }

    fn resolved<T: Entity>(&mut self, column: &str, text: &str, table: &Built<T>) -> Option<Idx<T>> {
        match table.resolve(text) {
            Ok(idx) => Some(idx),
            Err(Unresolved::Rejected) => {
                self.block();
                None
            }
            Err(Unresolved::Missing(message)) => {
                self.problem(column, message);
                None
            }
        }
    }

    fn parsed<T>(&mut self, column: &str, text: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        match parse(text) {
            Ok(value) => Some(value),
            Err(message) => {
                self.problem(column, message);
                None
            }
        }
    }

    /// The problems of this row, and whether it is held back for another record's.
    pub(crate) fn finish(self) -> (Vec<Problem>, bool) {
        (self.problems, self.blocked)
    }
}

/// Why a reference did not resolve.
pub(crate) enum Unresolved {
    /// No record has the id: a problem of the referring row.
    Missing(String),
    /// The record exists but has problems of its own, already reported.
    Rejected,
}

/// A table being built from a file: the entities that parsed, the ids of rows that did
/// not (so references to them say so rather than "unknown"), and each entity's line.
pub(crate) struct Built<T> {
    pub(crate) table: Table<T>,
    pub(crate) lines: Vec<usize>,
    invalid: HashSet<String>,
    file: &'static str,
    noun: &'static str,
}

impl<T: Entity> Built<T> {
    pub(crate) fn new(file: &'static str, noun: &'static str) -> Self {
        Self { table: Table::default(), lines: Vec::new(), invalid: HashSet::new(), file, noun }
    }

    /// Resolves a reference by id.
    pub(crate) fn resolve(&self, text: &str) -> Result<Idx<T>, Unresolved> {
        let noun = self.noun;
        if let Some(idx) = self.table.lookup(text) {
            Ok(idx)
        } else if self.invalid.contains(text) {
            Err(Unresolved::Rejected)
        } else {
            Err(Unresolved::Missing(format!("{noun} '{text}' が見つかりません (no {noun} with id '{text}')")))
        }
    }

    /// Whether some record of this table had problems.
    pub(crate) fn has_rejects(&self) -> bool {
        !self.invalid.is_empty()
    }

    /// Adds the entity parsed from `row` if the row had no problems; otherwise records
    /// them and remembers the id as invalid.
    pub(crate) fn add(&mut self, row: Row<'_>, entity: Option<T>, problems: &mut Vec<Problem>) {
        let line = row.line;
        let id = row.id.clone();
        let (row_problems, blocked) = row.finish();
        match entity {
            Some(entity) if row_problems.is_empty() && !blocked => self.insert(entity, line, problems, "id"),
            _ => {
                problems.extend(row_problems);
                if let Some(id) = id {
                    self.reject(id);
                }
            }
        }
    }

    /// Remembers that the record with this id did not parse.
    pub(crate) fn reject(&mut self, id: String) {
        self.invalid.insert(id);
    }

    /// Adds an entity parsed elsewhere, reporting a duplicate id against `field`.
    pub(crate) fn insert(&mut self, entity: T, line: usize, problems: &mut Vec<Problem>, field: &str) {
        let id = entity.id().to_string();
        match self.table.insert(entity) {
            Ok(_) => self.lines.push(line),
            Err(_) => {
                let first = self.lines[self.table.lookup(&id).expect("taken").index()];
                problems.push(Problem {
                    file: self.file.to_owned(),
                    line: Some(line),
                    record: Some(id.clone()),
                    field: Some(field.to_owned()),
                    message: format!(
                        "ID '{id}' が重複しています ({first}行目と同じ) (duplicate id, first on line {first})"
                    ),
                });
            }
        }
    }
}
