//! Recording access to patient data in the audit trail.
//!
//! Writes record their entries in their own transaction. Reads queue theirs here; a
//! background task appends the queue to the chain every [`FLUSH_INTERVAL`] (sooner when
//! it fills), in one transaction per batch, so a lookup never waits on a disk write.
//! Shutdown flushes what is queued; admin queries flush before they read. The patient
//! index of the trail is brought up to date every [`INDEX_INTERVAL`].

use std::borrow::Cow;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;

use super::AppState;
use super::auth::Principal;
use crate::store::audit::{AuditEvent, append, index_pending};
use crate::store::{StoreResult, stamp};

/// How long a read's entry may wait in the queue.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// How often the patient index of the trail is brought up to date.
/// A run every few seconds meets most of a busy trail's patients several times, and
/// lists each in one posting.
pub const INDEX_INTERVAL: Duration = Duration::from_secs(10);
/// A queue this long is flushed at once (four blocks of the trail, one transaction).
const FLUSH_AT: usize = 2048;

/// The queue of read events.
#[derive(Debug, Default)]
pub struct AuditSink {
    pending: Mutex<Vec<AuditEvent>>,
    /// The last flushed queue, emptied, kept to become the next (a queue that grew to
    /// thousands of entries is not grown again from nothing every flush).
    spare: Mutex<Vec<AuditEvent>>,
    notify: Notify,
}

impl AuditSink {
    /// Queues an event.
    pub fn record(&self, event: AuditEvent) {
        let mut pending = self.pending.lock().expect("audit queue");
        pending.push(event);
        if pending.len() >= FLUSH_AT {
            self.notify.notify_one();
        }
    }

    /// Resolves when the queue asks to be flushed early.
    pub async fn wanted(&self) {
        self.notify.notified().await;
    }

    /// Appends every queued event to the chain.
    pub async fn flush(&self, state: &AppState) -> StoreResult<()> {
        let _gate = state.gate().await;
        let spare = std::mem::take(&mut *self.spare.lock().expect("audit queue"));
        let mut events = std::mem::replace(&mut *self.pending.lock().expect("audit queue"), spare);
        if events.is_empty() {
            return Ok(());
        }
        let result = async {
            let mut tx = state.store().begin_write().await?;
            append(&mut tx, &events).await?;
            tx.commit().await?;
            StoreResult::Ok(())
        }
        .await;
        if result.is_err() {
            // Keep them, in order, for the next attempt.
            let mut pending = self.pending.lock().expect("audit queue");
            let later = std::mem::replace(&mut *pending, events);
            pending.extend(later);
        } else if events.capacity() <= 4 * FLUSH_AT {
            // (A queue that grew far larger, while the store was away, is let go.)
            events.clear();
            *self.spare.lock().expect("audit queue") = events;
        }
        result
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

/// Queues a read of `patient`'s data.
pub fn read(
    state: &AppState,
    principal: &Principal,
    resource: impl Into<Cow<'static, str>>,
    patient: &str,
    detail: String,
    status: u16,
) {
    state.audit_sink().record(event(principal, "read", resource, patient, detail, status));
}

/// Queues a provision of `patient`'s data to a third party (a hospital or specialist),
/// recorded as the privacy law requires: date, recipient, patient and items.
pub fn provide(
    state: &AppState,
    principal: &Principal,
    resource: impl Into<Cow<'static, str>>,
    patient: &str,
    detail: String,
) {
    state.audit_sink().record(event(principal, "provide", resource, patient, detail, 200));
}
