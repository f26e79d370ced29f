//! JSON bodies, both ways, and query parameters.
//!
//! Responses are serialised into one buffer sized for a typical lookup (axum's `Json`
//! writes each token through a small growing `BytesMut`, which cost a cover lookup
//! more than the lookup itself). Requests are read with the path of the field that
//! fails, so a bad body gets the service's own error: 400 for malformed JSON or a
//! missing `Content-Type`, 422 naming the field for a wrong or missing value.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON request or response body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// Bytes reserved for a response body: a cover chain is about 3 KB.
pub const RESPONSE_CAPACITY: usize = 4096;

/// A response of JSON already written (into a buffer of [`RESPONSE_CAPACITY`]).
pub fn written(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(RESPONSE_CAPACITY);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => written(body),
            Err(error) => ApiError::Internal(anyhow::anyhow!("serialising a response: {error}")).into_response(),
        }
    }
}

/// Whether the request says its body is JSON (`application/json` or `…+json`).
fn says_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")))
}

/// Reads `bytes` as a `T`, naming the field that fails.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if !inner.is_data() {
            return malformed(&inner);
        }
        // A missing key is reported at its parent (an unknown one at itself): name
        // the key.
        let parent = (path != ".").then_some(path);
        let field = match (parent, key_named(&inner.to_string())) {
            (Some(parent), Some(key)) if parent.rsplit('.').next() != Some(key.as_str()) => {
                Some(format!("{parent}.{key}"))
            }
            (parent, key) => parent.or(key),
        };
        let message = format!("本文の値が正しくありません (invalid value in the body: {inner})");
        match field {
            Some(field) => ApiError::invalid(&field, message),
            None => ApiError::BadRequest { field: None, message },
        }
    })?;
    deserializer.end().map_err(|error| malformed(&error))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::BadRequest {
        field: None,
        message: format!("本文を JSON として読めません (malformed JSON body: {error})"),
    }
}

/// The key of a "missing field `x`", "unknown field `x`" or "duplicate field `x`" error.
fn key_named(message: &str) -> Option<String> {
    ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned)
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !says_json(request.headers()) {
            return Err(ApiError::bad(
                "Content-Type",
                "本文は JSON で送り、Content-Type: application/json を付けてください (send a JSON body with Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                return ApiError::TooLarge;
            }
            ApiError::BadRequest {
                field: None,
                message: format!("本文を読めません (could not read the body: {})", rejection.body_text()),
            }
        })?;
        parse_body(&bytes).map(Json)
    }
}

/// An optional body: none without a `Content-Type`; otherwise read as above.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, ApiError> {
        if request.headers().get(header::CONTENT_TYPE).is_none() {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(request, state).await.map(Some)
    }
}

/// Query parameters, read with the name of the one that fails: a bad one gets 400
/// naming it, in the service's own error.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

/// Reads a query string as a `T`, naming the parameter that fails.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    // Read plainly first (a lookup's one parameter); only a failure is read again,
    // tracking the path, to name the parameter.
    if let Ok(value) = T::deserialize(serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()))) {
        return Ok(value);
    }
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner().to_string();
        let field = (path != ".").then_some(path).or_else(|| key_named(&inner)).unwrap_or_else(|| "query".to_owned());
        ApiError::bad(
            &field,
            format!("クエリ引数 {field} が正しくありません (invalid query parameter {field}: {inner})"),
        )
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Body {
        hospital: String,
        #[serde(default)]
        rank: Option<u8>,
        nested: Option<Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        note: String,
    }

    fn problem(error: &ApiError) -> (u16, Option<String>, String) {
        match error {
            ApiError::Invalid { problems } => (422, problems[0].field.clone(), problems[0].message.clone()),
            ApiError::BadRequest { field, message } => (400, field.clone(), message.clone()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_good_body_is_read() {
        let body: Body = parse_body(br#"{"hospital": "H001", "rank": 2}"#).expect("reads");
        assert_eq!(body, Body { hospital: "H001".into(), rank: Some(2), nested: None });
    }

    #[test]
    fn a_wrong_value_names_its_field() {
        let error = parse_body::<Body>(br#"{"hospital": 5}"#).expect_err("refused");
        let (status, field, message) = problem(&error);
        assert_eq!((status, field.as_deref()), (422, Some("hospital")));
        assert!(message.contains("本文の値") && message.contains("invalid type"), "{message}");
        let error = parse_body::<Body>(br#"{"hospital": "H001", "nested": {"note": 1}}"#).expect_err("refused");
        assert_eq!(problem(&error).1.as_deref(), Some("nested.note"));
        let error = parse_body::<Body>(br#"{"hospital": "H001", "rank": 300}"#).expect_err("refused");
        assert_eq!(problem(&error).1.as_deref(), Some("rank"));
    }

    #[test]
    fn missing_and_unknown_keys_are_named() {
        let error = parse_body::<Body>(br#"{"rank": 1}"#).expect_err("refused");
        let (status, field, message) = problem(&error);
        assert_eq!((status, field.as_deref()), (422, Some("hospital")));
        assert!(message.contains("missing field `hospital`"), "{message}");
        let error = parse_body::<Body>(br#"{"hospital": "H001", "nested": {}}"#).expect_err("refused");
        assert_eq!(problem(&error).1.as_deref(), Some("nested.note"));
        let error = parse_body::<Body>(br#"{"hospital": "H001", "colour": "red"}"#).expect_err("refused");
        assert_eq!(problem(&error).1.as_deref(), Some("colour"));
        let error = parse_body::<Body>(br#"{"hospital": "H001", "hospital": "H002"}"#).expect_err("refused");
        assert_eq!(problem(&error).1.as_deref(), Some("hospital"));
    }

    #[test]
    fn malformed_json_and_trailing_text_are_bad_requests() {
        for text in [&br#"{"hospital": "#[..], br#"{"hospital": "H001"} extra"#, b"not json"] {
            let (status, field, message) = problem(&parse_body::<Body>(text).expect_err("refused"));
            assert_eq!((status, field), (400, None), "{message}");
            assert!(message.contains("JSON として読めません"), "{message}");
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Params {
        limit: Option<u16>,
        on: Option<chrono::NaiveDate>,
        severe: Option<bool>,
    }

    #[test]
    fn query_parameters_are_read_and_a_bad_one_is_named() {
        let params: Params = parse_query("limit=20&on=2026-12-10&severe=true").expect("reads");
        assert_eq!(params, Params { limit: Some(20), on: "2026-12-10".parse().ok(), severe: Some(true) });
        let none: Params = parse_query("").expect("reads");
        assert_eq!(none, Params { limit: None, on: None, severe: None });
        for (query, field) in [
            ("limit=abc", "limit"),
            ("limit=-1", "limit"),
            ("on=2026-13-01", "on"),
            ("severe=yes", "severe"),
            ("limit=1&limit=2", "limit"),
        ] {
            match parse_query::<Params>(query).expect_err("refused") {
                ApiError::BadRequest { field: Some(named), message } => {
                    assert_eq!(named, field, "{query}");
                    assert!(message.contains("クエリ引数") && message.contains("invalid query parameter"), "{message}");
                }
                other => panic!("{query}: unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn content_types() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).expect("header"));
            says_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!says_json(&HeaderMap::new()));
    }
}
