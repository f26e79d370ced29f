//! Operations: health, readiness, metrics, the OpenAPI document and its page.

use crate::common::{TestApp, load_demo};

async fn operations(app: TestApp) {
    let demo = load_demo(app, &["2026-12"]).await;
    let health = demo.get_anonymous("/healthz").await;
    health.expect(200);
    assert_eq!(health.json["status"], "ok");

    let ready = demo.get_anonymous("/readyz").await;
    ready.expect(200);
    assert_eq!(ready.json["status"], "ready");
    assert_eq!(ready.json["database"], "ok");
    let backend = format!("{:?}", demo.backend).to_lowercase();
    assert_eq!(ready.json["backend"], backend.as_str());
    assert_eq!(ready.json["data_version"].as_i64(), Some(demo.data_version()));
    assert_eq!(ready.json["rotas"], 1);
    assert!(ready.json["patients"].as_u64().is_some_and(|n| n > 1000));

    // A few requests, then they are counted by route and status.
    demo.get(&format!("/groups/{}/on-duty?at=2026-12-10T03:00", demo.people.group), &demo.tokens.doctor)
        .await
        .expect(200);
    let unauthorized = demo.get_anonymous("/patients/P000001/cover").await;
    unauthorized.expect(401);
    assert_eq!(unauthorized.header("www-authenticate"), Some("Bearer realm=\"renkei\""));
    assert_eq!(unauthorized.json["error"]["code"], "unauthorized");
    let metrics = demo.get_anonymous("/metrics").await;
    metrics.expect(200);
    assert!(metrics.header("content-type").is_some_and(|t| t.starts_with("text/plain")));
    let counted = |route: &str, status: &str| {
        metrics.text.lines().any(|line| {
            line.starts_with("renkei_http_requests_total{")
                && line.contains(&format!("route=\"{route}\""))
                && line.contains(&format!("status=\"{status}\""))
        })
    };
    assert!(counted("/groups/{id}/on-duty", "200"), "{}", metrics.text);
    assert!(counted("/patients/{id}/cover", "401"), "{}", metrics.text);
    assert!(metrics.text.contains("renkei_http_request_duration_seconds"));
    assert!(metrics.text.contains("# TYPE renkei_http_requests_total counter"));

    // Each request adds one to its route, method and status. The two stores' runs share
    // the process's recorder and may run at once, so each asks with its own method, which
    // no other test uses on /healthz (405).
    let method = if backend == "sqlite" { axum::http::Method::PUT } else { axum::http::Method::DELETE };
    let count = |text: &str| -> u64 {
        text.lines()
            .find(|line| {
                line.starts_with("renkei_http_requests_total{")
                    && line.contains("route=\"/healthz\"")
                    && line.contains(&format!("method=\"{method}\""))
                    && line.contains("status=\"405\"")
            })
            .map_or(0, |line| line.rsplit(' ').next().and_then(|n| n.parse().ok()).expect("a count"))
    };
    let before = count(&demo.get_anonymous("/metrics").await.text);
    for _ in 0..3 {
        let refused = demo.send(method.clone(), "/healthz", None, None, &[]).await;
        refused.expect(405);
        // The service's error, in both languages, like every other.
        assert_eq!(refused.json["error"]["code"], "method_not_allowed", "{}", refused.text);
        assert!(refused.header("allow").is_some_and(|allow| allow.contains("GET")), "{:?}", refused.header("allow"));
    }
    assert_eq!(count(&demo.get_anonymous("/metrics").await.text), before + 3);
    // A method of the client's own making is counted as OTHER, so clients cannot add
    // labels without bound.
    let made_up = axum::http::Method::from_bytes(b"RENKEIPROBE").expect("a method");
    demo.send(made_up, "/healthz", None, None, &[]).await;
    let metrics = demo.get_anonymous("/metrics").await.text;
    assert!(!metrics.contains("RENKEIPROBE"), "{metrics}");
    assert!(
        metrics.lines().any(|line| line.starts_with("renkei_http_requests_total{")
            && line.contains("route=\"/healthz\"")
            && line.contains("method=\"OTHER\"")),
        "{metrics}"
    );

    let openapi = demo.get_anonymous("/openapi.json").await;
    openapi.expect(200);
    let doc = &openapi.json;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", openapi.text);
    assert_eq!(doc["info"]["title"], "renkei");
    for path in [
        "/groups/{id}/on-duty",
        "/patients/{id}/cover",
        "/patients/{id}/backup-hospitals",
        "/patients/{id}/face-sheet",
        "/hospitals/{id}/registered-patients",
        "/doctors/{id}/duties",
        "/rotas/{id}/swaps",
        "/jobs/{id}",
        "/audit",
        "/healthz",
    ] {
        assert!(doc["paths"][path]["get"].is_object() || doc["paths"][path]["post"].is_object(), "{path} documented");
    }
    assert!(
        doc["paths"]["/patients/{id}/cover"]["get"]["parameters"]
            .as_array()
            .is_some_and(|params| params.iter().any(|p| p["name"] == "at"))
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());

    let page = demo.get_anonymous("/docs/").await;
    page.expect(200);
    assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    assert!(page.text.contains("swagger"), "{}", &page.text[..page.text.len().min(300)]);

    // Bad query parameters and unknown routes get the service's error, naming the field.
    let duties = format!("/doctors/{}/duties", demo.people.doctor);
    for (query, field) in [("from=2026-13-01", "from"), ("from=+262142-12-31", "from"), ("to=yesterday", "to")] {
        let refused = demo.get(&format!("{duties}?{query}"), &demo.tokens.doctor).await;
        refused.expect(400);
        assert_eq!(refused.json["error"]["field"], field, "{query}: {}", refused.text);
    }
    let at = format!("/patients/{}/cover?at=-262143-01-01T00:00", demo.people.patient);
    let refused = demo.get(&at, &demo.tokens.doctor).await;
    refused.expect(400);
    assert_eq!(refused.json["error"]["field"], "at", "{}", refused.text);
    let refused = demo.get("/audit?limit=many", &demo.tokens.admin).await;
    refused.expect(400);
    assert_eq!(refused.json["error"]["field"], "limit", "{}", refused.text);
    assert!(
        refused.text.contains("クエリ引数") && refused.text.contains("invalid query parameter"),
        "{}",
        refused.text
    );
    let huge = serde_json::json!({"id": "A-HUGE", "note": "長".repeat(1 << 20)});
    let refused = demo.post_json("/absences", &demo.tokens.admin, &huge, &[]).await;
    refused.expect(413);
    assert_eq!(refused.json["error"]["code"], "too_large", "{}", refused.text);
    let unknown = demo.get("/no/such/route", &demo.tokens.admin).await;
    unknown.expect(404);
    assert_eq!(unknown.json["error"]["code"], "not_found", "{}", unknown.text);
}

crate::both!(operations);
