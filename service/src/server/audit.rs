//! Recording access to patient data in the audit trail.
//!
//! Writes record their entries in their own transaction. Reads queue theirs here; a
//! background task appends the queue to the chain every [`FLUSH_INTERVAL`] (sooner when
//! it fills), in one transaction per batch, so a lookup never waits on a disk write.
//! Shutdown flushes what is queued; admin queries flush before they read. The patient
//! index of the trail is brought up to date every [`INDEX_INTERVAL`].

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use compact_str::CompactString;
use tokio::sync::Notify;

use super::AppState;
use super::auth::Principal;
use crate::store::audit::{AuditEvent, Fields, append_fields, index_pending};
use crate::store::{StoreResult, stamp};
use crate::time_text::{push_jst_secs, push_utc_micros};

/// How long a read's entry may wait in the queue.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// How often the patient index of the trail is brought up to date in the background
/// (a query by patient brings it up to date first, so it never misses an entry).
/// A run writes one posting per patient it meets, so its cost per read falls as it
/// covers more reads: at benchmark load over 100,000 patients (about 80,000 reads a
/// second), a run every 10 s cost the database about 0.4 us and the service more
/// again per read, most of a read's audit cost (measured).
pub const INDEX_INTERVAL: Duration = Duration::from_secs(60);
/// A queue this long is flushed at once (four blocks of the trail, one transaction).
const FLUSH_AT: usize = 2048;

/// What a queued read says it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// As written.
    Text(Cow<'static, str>),
    /// `cover chain at <the JST time asked about>`.
    CoverAt(DateTime<Utc>),
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Self::Text(text.into())
    }
}

impl From<&'static str> for Detail {
    fn from(text: &'static str) -> Self {
        Self::Text(text.into())
    }
}

/// A read or provision waiting to be appended. Its time and detail are written out
/// when the queue is flushed, and a patient id of up to 24 bytes is held inline, so
/// queueing a read allocates nothing (a busy service queues tens of thousands a second,
/// and freeing their text on the flushing thread cost more than writing it there).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Queued {
    at: DateTime<Utc>,
    actor: Arc<str>,
    role: Arc<str>,
    action: Cow<'static, str>,
    resource: Cow<'static, str>,
    patient: CompactString,
    detail: Detail,
    result: Cow<'static, str>,
}

/// Queues per worker thread: each thread queues on its own (a thread picks one when it
/// first queues), so two cores serving reads do not pass one lock and one queue's
/// memory back and forth on every read.
const SHARDS: usize = 8;

/// The queue of read events.
#[derive(Debug, Default)]
pub struct AuditSink {
    shards: [Shard; SHARDS],
    /// The last flushed batch, emptied, kept to become the next (a batch that grew to
    /// thousands of entries is not grown again from nothing every flush).
    spare: Mutex<Vec<Queued>>,
    notify: Notify,
}

/// One thread's queue, on cache lines of its own.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    pending: Mutex<Vec<Queued>>,
    /// This queue's last flushed memory, kept to become its next.
    spare: Mutex<Vec<Queued>>,
}

impl AuditSink {
    /// Queues an event.
    fn record(&self, event: Queued) {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        thread_local! {
            static SHARD: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SHARDS;
        }
        let mut pending = self.shards[SHARD.with(|&shard| shard)].pending.lock().expect("audit queue");
        pending.push(event);
        // (With two worker threads, each queue holds about half of the reads.)
        if pending.len() >= FLUSH_AT / 2 {
            self.notify.notify_one();
        }
    }

    /// Resolves when the queue asks to be flushed early.
    pub async fn wanted(&self) {
        self.notify.notified().await;
    }

    /// Every queued event, taken from the queues, in the order of their times.
    fn take(&self) -> Vec<Queued> {
        let mut events = std::mem::take(&mut *self.spare.lock().expect("audit queue"));
        for shard in &self.shards {
            let spare = std::mem::take(&mut *shard.spare.lock().expect("audit queue"));
            let mut queued = std::mem::replace(&mut *shard.pending.lock().expect("audit queue"), spare);
            events.append(&mut queued);
            if queued.capacity() <= 4 * FLUSH_AT {
                *shard.spare.lock().expect("audit queue") = queued;
            }
        }
        // Each queue is in order already, and the sort merges such runs in one pass; it
        // is stable, so equal times keep their order.
        events.sort_by_key(|event| event.at);
        events
    }

    /// Appends every queued event to the chain, in the order of their times.
    pub async fn flush(&self, state: &AppState) -> StoreResult<()> {
        let _gate = state.gate().await;
        let mut events = self.take();
        if events.is_empty() {
            return Ok(());
        }
        let result = async {
            let texts = Texts::of(&events);
            let entries = texts.fields(&events);
            let mut tx = state.store().begin_write().await?;
            append_fields(&mut tx, &entries).await?;
            tx.commit().await?;
            StoreResult::Ok(())
        }
        .await;
        if result.is_err() {
            // Keep them, in order, for the next attempt (any queued since are later).
            let mut pending = self.shards[0].pending.lock().expect("audit queue");
            let later = std::mem::replace(&mut *pending, events);
            pending.extend(later);
        } else if events.capacity() <= 4 * SHARDS * FLUSH_AT {
            // (A batch that grew far larger, while the store was away, is let go.)
            events.clear();
            *self.spare.lock().expect("audit queue") = events;
        }
        result
    }
}

/// The queued events' times and written-out details, end to end in one string.
struct Texts {
    text: String,
    /// Per event: where its time ends and its detail (if written here) ends.
    ends: Vec<(usize, usize)>,
}

impl Texts {
    fn of(events: &[Queued]) -> Self {
        let mut text = String::with_capacity(events.len() * 72);
        let ends = events
            .iter()
            .map(|event| {
                push_utc_micros(&mut text, event.at);
                let at = text.len();
                if let Detail::CoverAt(instant) = event.detail {
                    text.push_str("cover chain at ");
                    push_jst_secs(&mut text, instant);
                }
                (at, text.len())
            })
            .collect();
        Self { text, ends }
    }

    /// The events' fields, as stored.
    fn fields<'a>(&'a self, events: &'a [Queued]) -> Vec<Fields<'a>> {
        let mut start = 0;
        events
            .iter()
            .zip(&self.ends)
            .map(|(event, &(at, detail))| {
                let fields = [
                    &self.text[start..at],
                    &*event.actor,
                    &*event.role,
                    &*event.action,
                    &*event.resource,
                    event.patient.as_str(),
                    match &event.detail {
                        Detail::Text(text) => text,
                        Detail::CoverAt(_) => &self.text[at..detail],
                    },
                    &*event.result,
                ];
                start = detail;
                fields
            })
            .collect()
    }
}

/// Brings the trail's patient index up to date.
pub async fn index(state: &AppState) -> StoreResult<()> {
    let _gate = state.gate().await;
    let mut connection = state.store().pool().acquire().await?;
    index_pending(&mut connection).await.map(drop)
}

/// An event by `principal`.
pub fn event(
    principal: &Principal,
    action: impl Into<Cow<'static, str>>,
    resource: impl Into<Cow<'static, str>>,
    patient: &str,
    detail: String,
    status: u16,
) -> AuditEvent {
    AuditEvent {
        at: stamp(chrono::Utc::now()),
        actor: principal.label.clone(),
        role: principal.audit_role.clone(),
        action: action.into(),
        resource: resource.into(),
        patient: patient.to_owned(),
        detail,
        result: status_text(status),
    }
}

/// An HTTP status as the trail writes it; the statuses entries have are not allocated.
fn status_text(status: u16) -> Cow<'static, str> {
    match status {
        200 => "200".into(),
        201 => "201".into(),
        204 => "204".into(),
        403 => "403".into(),
        404 => "404".into(),
        409 => "409".into(),
        other => other.to_string().into(),
    }
}

/// Queues an entry by `principal` that needs no transaction of its own (reads, refusals,
/// exports).
pub fn queue(
    state: &AppState,
    principal: &Principal,
    action: impl Into<Cow<'static, str>>,
    resource: impl Into<Cow<'static, str>>,
    patient: &str,
    detail: impl Into<Detail>,
    status: u16,
) {
    state.audit_sink().record(Queued {
        at: chrono::Utc::now(),
        actor: principal.label.clone(),
        role: principal.audit_role.clone(),
        action: action.into(),
        resource: resource.into(),
        patient: CompactString::new(patient),
        detail: detail.into(),
        result: status_text(status),
    });
}

/// Queues a read of `patient`'s data.
pub fn read(
    state: &AppState,
    principal: &Principal,
    resource: impl Into<Cow<'static, str>>,
    patient: &str,
    detail: impl Into<Detail>,
    status: u16,
) {
    queue(state, principal, "read", resource, patient, detail, status);
}

/// Queues a provision of `patient`'s data to a third party (a hospital or specialist),
/// recorded as the privacy law requires: date, recipient, patient and items.
pub fn provide(
    state: &AppState,
    principal: &Principal,
    resource: impl Into<Cow<'static, str>>,
    patient: &str,
    detail: impl Into<Detail>,
) {
    queue(state, principal, "provide", resource, patient, detail, 200);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_text::jst_secs;

    /// Queued events' fields are what the trail stored before they were queued without
    /// their text: the stamp, and `cover chain at` the JST time asked about.
    #[test]
    fn queued_fields_are_the_stored_text() {
        let at = chrono::DateTime::from_timestamp(1_796_000_000, 123_456_789).expect("instant");
        let asked = chrono::DateTime::from_timestamp(1_796_100_000, 0).expect("instant");
        let queued = |patient: &str, detail: Detail| Queued {
            at,
            actor: "nurse \"A\"".into(),
            role: "station:NS001".into(),
            action: "read".into(),
            resource: "GET /patients/{id}/cover".into(),
            patient: CompactString::new(patient),
            detail,
            result: status_text(200),
        };
        let events = vec![
            queued("P000001", Detail::CoverAt(asked)),
            queued("", Detail::from("face sheet")),
            queued("P-二", Detail::from(String::from("registration list"))),
            queued(&"Q".repeat(40), Detail::CoverAt(at)),
        ];
        let texts = Texts::of(&events);
        let fields = texts.fields(&events);
        let details = [
            format!("cover chain at {}", jst_secs(asked)),
            "face sheet".into(),
            "registration list".into(),
            format!("cover chain at {}", jst_secs(at)),
        ];
        for ((event, fields), detail) in events.iter().zip(&fields).zip(&details) {
            assert_eq!(
                fields,
                &[
                    stamp(at).as_str(),
                    "nurse \"A\"",
                    "station:NS001",
                    "read",
                    "GET /patients/{id}/cover",
                    event.patient.as_str(),
                    detail.as_str(),
                    "200"
                ]
            );
        }
        assert_eq!(stamp(at), "2026-11-30T00:53:20.123456Z");
    }

    /// Events queued from several threads at once are all taken, in the order of their
    /// times, and the queues are empty after.
    #[test]
    fn the_queues_are_taken_in_time_order() {
        let sink = AuditSink::default();
        let base = chrono::DateTime::from_timestamp(1_796_000_000, 0).expect("instant");
        let event = |n: i64| Queued {
            at: base + chrono::Duration::microseconds(n),
            actor: "a".into(),
            role: "admin".into(),
            action: "read".into(),
            resource: "GET /patients/{id}/cover".into(),
            patient: CompactString::new(format!("P{n:06}")),
            detail: Detail::from("x"),
            result: status_text(200),
        };
        std::thread::scope(|scope| {
            for thread in 0..6 {
                let sink = &sink;
                scope.spawn(move || {
                    for k in 0..500 {
                        sink.record(event(6 * k + thread));
                    }
                });
            }
        });
        let taken = sink.take();
        assert_eq!(taken.len(), 3000);
        assert!(taken.windows(2).all(|pair| pair[0].at < pair[1].at), "in time order");
        let used = sink.shards.iter().filter(|shard| shard.spare.lock().expect("queue").capacity() > 0).count();
        assert!(used > 1, "{used} queues");
        assert!(sink.take().is_empty());
    }
}
