//! Identifiers: external ids as users write them, and typed indices into the tables of a
//! validated dataset.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// An external identifier, as written in data files and the API: 1–40 characters of
/// ASCII letters, digits, `-`, `_` or `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Id(compact_str::CompactString);

impl Id {
    /// Longest id accepted.
    pub const MAX_LEN: usize = 40;

    /// Checks `text` once into an id.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("空のIDです (empty id)".to_owned());
        }
        if text.len() > Self::MAX_LEN {
            return Err(format!("ID '{text}' が長すぎます (id longer than {} characters)", Self::MAX_LEN));
        }
        if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
            return Err(format!(
                "ID '{text}' に使えない文字 '{bad}' があります (ids use ASCII letters, digits, '-', '_', '.')"
            ));
        }
        Ok(Self(compact_str::CompactString::new(text)))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The number of a numbered id's tail (`000123` of `R000123`), for picking the next
/// free number; tails longer than twelve digits are not numbers the service hands out
/// and are ignored, so the next number can never overflow.
pub fn id_number(tail: &str) -> Option<u64> {
    (!tail.is_empty() && tail.len() <= 12 && tail.bytes().all(|b| b.is_ascii_digit())).then(|| tail.parse().ok())?
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// A typed index into a [`Table`]: `Idx<Doctor>` can only index the doctors.
pub struct Idx<T> {
    raw: u32,
    _entity: PhantomData<fn() -> T>,
}

impl<T> Idx<T> {
    /// The index of the `position`-th entity of its table.
    pub fn new(position: usize) -> Self {
        Self { raw: u32::try_from(position).expect("fewer than 2^32 entities"), _entity: PhantomData }
    }

    /// The position in the table.
    pub fn index(self) -> usize {
        self.raw as usize
    }
}

impl<T> Clone for Idx<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Idx<T> {}
impl<T> PartialEq for Idx<T> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl<T> Eq for Idx<T> {}
impl<T> PartialOrd for Idx<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Idx<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&other.raw)
    }
}
impl<T> Hash for Idx<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}
impl<T> fmt::Debug for Idx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.raw)
    }
}

/// An entity with an external id.
pub trait Entity {
    /// Its id.
    fn id(&self) -> &Id;
}

/// The entities of one kind, in file order, with lookup by id.
#[derive(Debug, Clone)]
pub struct Table<T> {
    rows: Vec<T>,
    by_id: HashMap<Id, Idx<T>, foldhash::fast::RandomState>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self { rows: Vec::new(), by_id: HashMap::default() }
    }
}

impl<T: Entity> Table<T> {
    /// Adds an entity; gives it back if its id is taken.
    pub fn insert(&mut self, row: T) -> Result<Idx<T>, T> {
        if self.by_id.contains_key(row.id()) {
            return Err(row);
        }
        let idx = Idx::new(self.rows.len());
        self.by_id.insert(row.id().clone(), idx);
        self.rows.push(row);
        Ok(idx)
    }

    /// The index of the entity with id `id`.
    pub fn lookup(&self, id: &str) -> Option<Idx<T>> {
        self.by_id.get(id).copied()
    }

    /// The entity with id `id`.
    pub fn get_by_id(&self, id: &str) -> Option<&T> {
        self.lookup(id).map(|idx| &self[idx])
    }
}

impl<T> Table<T> {
    /// Number of entities.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The entities in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.rows.iter()
    }

    /// The entities with their indices.
    pub fn enumerate(&self) -> impl Iterator<Item = (Idx<T>, &T)> {
        self.rows.iter().enumerate().map(|(position, row)| (Idx::new(position), row))
    }

    /// All indices.
    pub fn indices(&self) -> impl Iterator<Item = Idx<T>> + use<T> {
        (0..self.rows.len()).map(Idx::new)
    }

    /// Makes room for `additional` more entities, so building a large table does not
    /// rehash its id index over and over.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
        self.by_id.reserve(additional);
    }

    pub(crate) fn get_mut(&mut self, idx: Idx<T>) -> &mut T {
        &mut self.rows[idx.index()]
    }
}

impl<T> std::ops::Index<Idx<T>> for Table<T> {
    type Output = T;

    fn index(&self, idx: Idx<T>) -> &T {
        &self.rows[idx.index()]
    }
}

impl<'a, T> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_once() {
        assert_eq!(Id::parse(" D-001 ").unwrap().as_str(), "D-001");
        assert!(Id::parse("").is_err());
        assert!(Id::parse("医師1").unwrap_err().contains("使えない文字"));
        assert!(Id::parse(&"x".repeat(41)).is_err());
    }

    #[test]
    fn numbered_tails() {
        assert_eq!(id_number("000123"), Some(123));
        assert_eq!(id_number("999999999999"), Some(999_999_999_999));
        assert_eq!(id_number("18446744073709551615"), None, "too long to be one of ours");
        assert_eq!(id_number(""), None);
        assert_eq!(id_number("12a"), None);
        assert_eq!(id_number("+12"), None);
    }
}
