//! Recording access to patient data in the audit trail.
//!
//! Writes record their entries in their own transaction. Reads queue theirs here; a
//! background task appends the queue to the chain every [`FLUSH_INTERVAL`] (sooner when
//! it fills), in one transaction per batch, so a lookup never waits on a disk write.
//! Shutdown flushes what is queued; admin queries flush before they read. The patient
//! index of the trail is brought up to date every [`INDEX_INTERVAL`].

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
        let events = std::mem::take(&mut *self.pending.lock().expect("audit queue"));
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
    action: &str,
    resource: &str,
    patient: &str,
    detail: String,
    status: u16,
) -> AuditEvent {
    AuditEvent {
        at: stamp(chrono::Utc::now()),
        actor: principal.label.clone(),
        role: principal.audit_role.clone(),
        action: action.to_owned(),
        resource: resource.to_owned(),
        patient: patient.to_owned(),
        detail,
        result: status.to_string(),
    }
}

/// Queues a read of `patient`'s data.
pub fn read(state: &AppState, principal: &Principal, resource: &str, patient: &str, detail: String, status: u16) {
    state.audit_sink().record(event(principal, "read", resource, patient, detail, status));
}

/// Queues a provision of `patient`'s data to a third party (a hospital or specialist),
/// recorded as the privacy law requires: date, recipient, patient and items.
pub fn provide(state: &AppState, principal: &Principal, resource: &str, patient: &str, detail: String) {
    state.audit_sink().record(event(principal, "provide", resource, patient, detail, 200));
}
