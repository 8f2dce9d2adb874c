//! The API's shape: JSON errors everywhere, one event by id, events by time.

mod common;

use std::net::UdpSocket;

use common::*;

#[test]
fn errors_are_json_and_events_are_addressable_by_id_and_time() {
    let rt = runtime();
    let port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(port)], None),
        finisterra_server::store::memory(),
    );
    let a = running.http;
    // A bad query string and an unknown path answer JSON.
    let (s, v) = get_json(a, "/api/events?limit=lots");
    assert_eq!(s, 400);
    assert!(
        v["error"].as_str().is_some_and(|e| e.contains("query")),
        "{v}"
    );
    let (s, v) = get_json(a, "/api/vessels?bbox=1,2");
    assert_eq!(s, 400);
    assert!(v["error"].is_string(), "{v}");
    let (s, v) = get_json(a, "/api/nothing-here");
    assert_eq!(s, 404);
    assert!(v["error"].is_string(), "{v}");
    // Two distress events, ten minutes apart in data time.
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t = finisterra_server::clock::now_ms() / 1000 - 1200;
    for (k, m) in [(0i64, 970_000_301u32), (600, 970_000_302)] {
        let line = position(m, 43.0, -9.5, t + k);
        u.send_to(format!("{line}\n").as_bytes(), ("127.0.0.1", port))
            .unwrap();
    }
    wait_for(
        || {
            get_json(a, "/api/events?kind=distress").1["events"]
                .as_array()
                .is_some_and(|e| e.len() == 2)
        },
        "two distress events",
    );
    // Event 2 is the first vessel's target.lost (ten minutes of silence).
    let (s, e) = get_json(a, "/api/events/3");
    assert_eq!(s, 200);
    assert_eq!(e["id"], 3);
    assert_eq!(e["mmsi"], 970_000_302);
    assert_eq!(get_json(a, "/api/events/99").0, 404);
    assert!(get_json(a, "/api/events/x").1["error"].is_string());
    // from/to by data time: ms or ISO 8601.
    let mid = finisterra_engine::iso8601((t + 300) * 1000);
    let (_, after) = get_json(a, &format!("/api/events?kind=distress&from={mid}"));
    let ids: Vec<u64> = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .collect();
    assert_eq!(ids, vec![3]);
    let (_, before) = get_json(
        a,
        &format!("/api/events?kind=distress&to={}", (t + 300) * 1000),
    );
    assert_eq!(before["events"].as_array().unwrap().len(), 1);
    let (s, v) = get_json(a, "/api/events?from=yesterday");
    assert_eq!(s, 400);
    assert!(v["error"].as_str().unwrap_or("").contains("from"), "{v}");
    // The OpenAPI document names the new paths.
    let (_, doc) = get_json(a, "/api/openapi.json");
    for path in [
        "/api/events/{id}",
        "/api/event-kinds",
        "/healthz",
        "/api/zones/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
}

/// The OpenAPI document is valid OpenAPI 3.0 (it deserialises into the
/// `openapiv3` model), every `$ref` resolves, every path parameter is
/// declared, and every route the router serves is described (read from
/// the router's source, so a new route cannot go undocumented).
#[test]
fn the_openapi_document_is_valid_and_describes_every_route() {
    let doc = finisterra_server::openapi::document();
    let api: openapiv3::OpenAPI =
        serde_json::from_value(doc.clone()).expect("a valid OpenAPI 3.0 document");
    assert!(api.openapi.starts_with("3.0"));
    let schemas = &doc["components"]["schemas"];
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"").skip(1) {
        let r = r.split('"').next().unwrap();
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}: only component schemas are referenced"));
        assert!(schemas[name].is_object(), "{r} does not resolve");
    }
    let documented: std::collections::BTreeSet<String> = api.paths.paths.keys().cloned().collect();
    for (path, item) in &api.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            panic!("{path}: a reference")
        };
        for (method, op) in item.iter() {
            for name in path
                .split('{')
                .skip(1)
                .map(|x| x.split('}').next().unwrap())
            {
                let declared = op.parameters.iter().any(|p| match p {
                    openapiv3::ReferenceOr::Item(openapiv3::Parameter::Path {
                        parameter_data,
                        ..
                    }) => parameter_data.name == name,
                    _ => false,
                });
                assert!(
                    declared,
                    "{method} {path}: path parameter {name} not declared"
                );
            }
        }
    }
    let source = include_str!("../src/api.rs");
    let routed: std::collections::BTreeSet<String> = source
        .split(".route(")
        .skip(1)
        .filter_map(|r| r.trim_start().strip_prefix('"'))
        .map(|r| r.split('"').next().unwrap().to_string())
        .filter(|p| p != "/" && !p.starts_with("/assets/"))
        .map(|p| {
            if p.contains("{key}") {
                p.replace("{key}", "{id}")
            } else {
                p
            }
        })
        .collect();
    let missing: Vec<&String> = routed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes not in the OpenAPI document: {missing:?}"
    );
    let extra: Vec<&String> = documented.difference(&routed).collect();
    assert!(
        extra.is_empty(),
        "documented paths with no route: {extra:?}"
    );
}
