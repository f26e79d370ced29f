//! Creating POSTs whose answer is a secret: an API token, a calendar feed's URL.
//!
//! Only a secret's SHA-256 is stored, so a retry with the same `Idempotency-Key`
//! cannot be shown the secret the first request made (its caller never saw it, or it
//! would not retry). The retry gets the same thing under a fresh secret instead: the
//! token or feed made for the key is re-keyed, in one transaction, and the first secret
//! stops working. A key still names one request: reused for another, it is refused.

use sqlx::AnyConnection;

use super::AppState;
use super::audit as audit_events;
use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::writes::{Keyed, created_id, kept};
use crate::store::idempotency::{self, Kept};
use crate::store::tokens::{self, TokenRow};
use crate::store::{StoreError, StoreResult, audit, stamp};

/// What a secret opens.
#[derive(Debug, Clone, Copy)]
pub enum Secret<'a> {
    /// An API token (the row holds the new secret's hash).
    Token(&'a TokenRow),
    /// A calendar feed of a doctor or a group.
    Feed {
        /// SHA-256 of the new secret.
        hash: &'a str,
        /// `doctor` or `group`.
        kind: &'a str,
        /// The doctor's or group's id.
        id: &'a str,
    },
}

impl Secret<'_> {
    fn hash(&self) -> &str {
        match self {
            Self::Token(row) => &row.hash,
            Self::Feed { hash, .. } => hash,
        }
    }

    /// Stores the secret as new.
    async fn insert(&self, tx: &mut AnyConnection, by: &str, now: &str) -> StoreResult<()> {
        match self {
            Self::Token(row) => tokens::insert(tx, row, now).await,
            Self::Feed { hash, kind, id } => tokens::insert_feed(tx, hash, kind, id, now, by).await,
        }
    }

    /// Puts the secret in place of the one stored as `earlier`; `false` when that one
    /// no longer works (a revoked token), so there is nothing to re-key.
    async fn replace(&self, tx: &mut AnyConnection, earlier: &str, now: &str) -> StoreResult<bool> {
        match self {
            Self::Token(row) => {
                if !tokens::revoke(tx, earlier, now).await? {
                    return Ok(false);
                }
                tokens::insert(tx, row, now).await?;
                Ok(true)
            }
            Self::Feed { hash, .. } => tokens::rekey_feed(tx, earlier, hash).await,
        }
    }
}

/// Stores a new secret for a creating POST, with its audit entry (`action`, `detail`;
/// none for feeds, which show no patient data). With an `Idempotency-Key` already used
/// for the same request, re-keys what that request made instead and returns `true`.
pub async fn store(
    state: &AppState,
    principal: &Principal,
    keyed: Keyed<'_>,
    secret: Secret<'_>,
    audited: Option<(&'static str, &'static str, String)>,
) -> ApiResult<bool> {
    for _attempt in 0..3 {
        let _gate = state.gate().await;
        let earlier = kept(state, keyed.token_hash, keyed.key, keyed.request_hash).await?;
        let now = stamp(chrono::Utc::now());
        let earlier_hash = earlier.as_ref().map(|kept| created_id(&kept.body)).transpose()?;
        let mut tx = state.store().begin_write().await?;
        let body = serde_json::json!({ "created": secret.hash() }).to_string();
        let stored = async {
            match (&earlier_hash, keyed.key) {
                (Some(earlier_hash), Some(key)) => {
                    if !secret.replace(&mut tx, earlier_hash, &now).await? {
                        return Ok(false);
                    }
                    idempotency::replace_body(&mut tx, keyed.token_hash, key, &body).await?;
                }
                (_, key) => {
                    secret.insert(&mut tx, &principal.label, &now).await?;
                    if let Some(key) = key {
                        let kept = Kept { request_hash: keyed.request_hash.to_owned(), status: 201, body };
                        idempotency::put(&mut tx, keyed.token_hash, key, &kept, &now).await?;
                    }
                }
            }
            if let Some((action, resource, detail)) = &audited {
                let rekeyed = if earlier_hash.is_some() { " (re-keyed for a retry)" } else { "" };
                let event = audit_events::event(principal, *action, *resource, "", format!("{detail}{rekeyed}"), 201);
                audit::append(&mut tx, &[event]).await?;
            }
            StoreResult::Ok(true)
        }
        .await;
        match stored {
            Ok(true) => {
                tx.commit().await.map_err(StoreError::from)?;
                return Ok(earlier_hash.is_some());
            }
            Ok(false) => {
                return Err(ApiError::conflict(
                    "この Idempotency-Key で作られたトークンは失効しています。新しいキーで作り直してください (the token made with this key was revoked; use a new key)",
                ));
            }
            // Another instance stored the same key first: read what it made, and re-key that.
            Err(error) if error.is_conflict() => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::conflict(
        "同時に他の更新があり反映できませんでした。もう一度お試しください (concurrent writes; try again)",
    ))
}
