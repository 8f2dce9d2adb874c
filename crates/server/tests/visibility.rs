//! Restricted visibility declared through the API: `POST /api/visibility`
//! adds a `restricted_visibility` zone (validated as zones are), `GET`
//! lists the declarations, `DELETE` removes one and nothing else.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn restricted_visibility_is_declared_listed_and_removed() {
    let rt = runtime();
    let mut c = cfg(vec![], Some("tok"));
    c.zones_doc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "anchorage", "properties": {"name": "Anchorage", "rule": "notify"},
         "geometry": {"type": "Polygon", "coordinates": [[[-9.0, 43.0], [-8.9, 43.0], [-8.9, 43.1], [-9.0, 43.0]]]}}
    ]});
    let running = serve_with(&rt, c, finisterra_server::store::memory());
    let a = running.http;
    let auth = [("Authorization", "Bearer tok")];
    let area = json!({"type": "Polygon",
        "coordinates": [[[-10.0, 42.5], [-9.0, 42.5], [-9.0, 43.5], [-10.0, 43.5], [-10.0, 42.5]]]});
    let body = json!({"name": "fog off Finisterre", "geometry": area, "visibility_nm": 0.5,
                      "active_from": "2026-01-01T00:00:00Z", "active_until": "2026-01-01T06:00:00Z"});
    let post = |headers: &[(&str, &str)], b: &Value| {
        let (s, v) = http(
            a,
            "POST",
            "/api/visibility",
            headers,
            b.to_string().as_bytes(),
        );
        (
            s,
            serde_json::from_slice::<Value>(&v).unwrap_or(Value::Null),
        )
    };
    // A change needs the token.
    assert_eq!(post(&[], &body).0, 401);
    let (s, v) = post(&auth, &body);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["id"], "visibility-1");
    let (_, list) = get_json(a, "/api/visibility");
    let fs = list["features"].as_array().unwrap();
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0]["properties"]["rule"], "restricted_visibility");
    assert_eq!(fs[0]["properties"]["visibility_nm"], 0.5);
    assert_eq!(fs[0]["properties"]["active_until"], "2026-01-01T06:00:00Z");
    // It is a zone like any other.
    let (_, zones) = get_json(a, "/api/zones");
    assert_eq!(zones["features"].as_array().unwrap().len(), 2);
    // Refusals name what is wrong; nothing changes.
    let mut bad = body.clone();
    bad["visibility_nm"] = json!(-1);
    let (s, v) = post(&auth, &bad);
    assert_eq!(s, 422, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("visibility_nm"),
        "{v}"
    );
    let mut bad = body.clone();
    bad["from"] = json!("now");
    let (s, v) = post(&auth, &bad);
    assert_eq!(s, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("\"from\""), "{v}");
    let (s, v) = post(&auth, &json!({"visibility_nm": 1.0}));
    assert_eq!(s, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("geometry"), "{v}");
    // A second declaration gets the next id.
    assert_eq!(post(&auth, &body).1["id"], "visibility-2");
    // DELETE removes declarations only.
    assert_eq!(
        http(a, "DELETE", "/api/visibility/anchorage", &auth, b"").0,
        404
    );
    assert_eq!(
        http(a, "DELETE", "/api/visibility/visibility-1", &[], b"").0,
        401
    );
    assert_eq!(
        http(a, "DELETE", "/api/visibility/visibility-1", &auth, b"").0,
        200
    );
    let (_, list) = get_json(a, "/api/visibility");
    let ids: Vec<&Value> = list["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, vec!["visibility-2"]);
    let (_, zones) = get_json(a, "/api/zones");
    assert_eq!(zones["features"].as_array().unwrap().len(), 2);
}
