//! The service's one error type: every failure becomes a status and a JSON body with a
//! Japanese message and English alongside. Database and internal errors are logged
//! and reach the client only as a 500 with a reference.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use renkei_core::dataset::Problem;
use serde::Serialize;
use utoipa::ToSchema;

use super::json::Json;
use crate::store::StoreError;

/// One thing wrong with a request: where and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The table (data-format file) concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The record concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The field (column, query parameter or body key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The line of the file, for an uploaded data directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What is wrong, Japanese with English alongside.
    pub message: String,
}

impl From<Problem> for FieldProblem {
    /// Without the line: for a record write it would be a line of a file the service
    /// made from its records, which means nothing to the caller (an import sets it).
    fn from(problem: Problem) -> Self {
        Self {
            file: Some(problem.file),
            record: problem.record,
            field: problem.field,
            line: None,
            message: problem.message,
        }
    }
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or not a valid one.
    #[error("unauthorized")]
    Unauthorized,
    /// Not permitted; also the answer for what lies outside the caller's scope, so
    /// nothing is revealed, not even existence.
    #[error("forbidden")]
    Forbidden,
    /// The path is there, the method is not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Not there (only for what the caller may see).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, in Japanese.
        what: String,
    },
    /// A malformed request: a bad parameter, body or header.
    #[error("bad request: {message}")]
    BadRequest {
        /// The field.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// Well-formed but invalid: every problem found.
    #[error("invalid: {} problem(s)", problems.len())]
    Invalid {
        /// The problems.
        problems: Vec<FieldProblem>,
    },
    /// The resource changed meanwhile (ETag mismatch) or the state forbids the step.
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicts.
        message: String,
    },
    /// A request with an idempotency key already answered: the kept response.
    #[error("replayed")]
    Replayed {
        /// Its status.
        status: u16,
        /// Its JSON body.
        body: String,
    },
    /// A body over the route's size limit.
    #[error("payload too large")]
    TooLarge,
    /// An edit without `If-Match`.
    #[error("precondition required")]
    PreconditionRequired,
    /// Anything else: logged, not shown.
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::Internal(error.into())
    }
}

impl ApiError {
    /// A bad value of one field.
    pub fn bad(field: &str, message: impl Into<String>) -> Self {
        Self::BadRequest { field: Some(field.to_owned()), message: message.into() }
    }

    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            problems: vec![FieldProblem {
                file: None,
                record: None,
                field: Some(field.to_owned()),
                line: None,
                message: message.into(),
            }],
        }
    }

    /// A conflict.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into() }
    }

    /// Not found.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Replayed { status, .. } => StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::BadRequest { .. } => "bad_request",
            Self::Invalid { .. } => "invalid",
            Self::Conflict { .. } => "conflict",
            Self::PreconditionRequired => "precondition_required",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::TooLarge => "too_large",
            Self::Replayed { .. } => "replayed",
            Self::Internal(_) => "internal",
        }
    }
}

/// The JSON body of every error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: unauthorized, forbidden, not_found, bad_request, invalid, conflict,
    /// precondition_required, too_large, internal.
    pub code: &'static str,
    /// Japanese, with English alongside.
    pub message: String,
    /// The field, for a bad request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem, for an invalid request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FieldProblem>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let code = self.code();
        let (message, field, problems) = match self {
            Self::Unauthorized => (
                "認証が必要です。有効なトークンを Authorization: Bearer で送ってください (a valid bearer token is required)"
                    .to_owned(),
                None,
                Vec::new(),
            ),
            Self::Forbidden => ("この操作の権限がありません (not permitted)".to_owned(), None, Vec::new()),
            Self::MethodNotAllowed => (
                "この URL はこのメソッドを受け付けません (method not allowed here; see /openapi.json)".to_owned(),
                None,
                Vec::new(),
            ),
            Self::NotFound { what } => (format!("{what} が見つかりません (not found)"), None, Vec::new()),
            Self::BadRequest { field, message } => (message, field, Vec::new()),
            Self::Invalid { problems } => (
                format!("入力に誤りが {} 件あります ({} problem(s))", problems.len(), problems.len()),
                None,
                problems,
            ),
            Self::Conflict { message } => (message, None, Vec::new()),
            Self::PreconditionRequired => (
                "If-Match ヘッダーで版 (ETag) を指定してください (If-Match with the current ETag is required)"
                    .to_owned(),
                Some("If-Match".to_owned()),
                Vec::new(),
            ),
            Self::TooLarge => (
                "本文が大きすぎます (the request body is too large)".to_owned(),
                None,
                Vec::new(),
            ),
            Self::Replayed { body, .. } => return replayed_response(status, body),
            Self::Internal(error) => {
                let reference = crate::store::random_token()[..12].to_owned();
                tracing::error!(reference = %reference, error = ?error, "internal error");
                (format!("内部エラーが発生しました (internal error; reference {reference})"), None, Vec::new())
            }
        };
        let mut response =
            (status, Json(ErrorBody { error: ErrorDetail { code, message, field, problems } })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750: how to authenticate.
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"renkei\""),
            );
        }
        response
    }
}

/// A kept response, answered again, with the ETag of what it created.
fn replayed_response(status: StatusCode, body: String) -> Response {
    let version = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["version"].as_i64());
    let mut response = (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response();
    super::writes::mark_replay(&mut response);
    if let Some(version) = version {
        response.headers_mut().insert(axum::http::header::ETAG, super::views::etag(version));
    }
    response
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
