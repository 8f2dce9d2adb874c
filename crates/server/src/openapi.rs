//! The OpenAPI description served at `/api/openapi.json`.

use serde_json::{json, Value};

fn get(summary: &str, params: Value, schema_ref: &str) -> Value {
    json!({
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": schema_ref}}}},
            "400": {"description": "Bad request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
    })
}

fn track_get(summary: &str, params: Value) -> Value {
    json!({
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": {"description": "A page of points (a full page has a Link: <...>; rel=\"next\" header)", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/TrackPage"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}
            }},
            "400": {"description": "Bad request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "404": {"description": "No stored history (no --data-dir or --store)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
    })
}

fn change(summary: &str, body: &str) -> Value {
    json!({
        "summary": summary,
        "security": [{"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": body}}}},
        "responses": {
            "200": {"description": "Accepted"},
            "400": {"description": "Not JSON", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "401": {"description": "Missing or wrong token"},
            "403": {"description": "Changes disabled (no token configured)"},
            "413": {"description": "Body too large"},
            "422": {"description": "Invalid GeoJSON or rules; nothing changed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
    })
}

fn q(name: &str, ty: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc})
}

fn p(name: &str, ty: &str, desc: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": ty}, "description": desc})
}

/// The document.
pub fn document() -> Value {
    let del = |what: &str| {
        json!({
            "summary": format!("Remove one {what} feature by its id (a number is taken as a place in the list when no feature has that id)"),
            "security": [{"bearer": []}],
            "parameters": [p("id", "string", "Feature id")],
            "responses": {"200": {"description": "Removed"}, "401": {"description": "Missing or wrong token"}, "403": {"description": "Changes disabled"}, "404": {"description": "No such feature"}}
        })
    };
    // Apart: one json! for the whole document would pass the macro
    // recursion limit.
    let aircraft_schema = json!({"type": "object", "properties": {
        "hex": {"type": "string"}, "mmsi": {"type": "integer"}, "source": {"type": "string", "enum": ["mode_s", "ais_sar"]},
        "flight": {"type": "string"}, "category": {"type": "string"}, "squawk": {"type": "string"},
        "lat": {"type": "number"}, "lon": {"type": "number"}, "alt_baro_ft": {"type": "number"}, "alt_geom_ft": {"type": "number"},
        "gs_kn": {"type": "number"}, "track_deg": {"type": "number"}, "vertical_rate_fpm": {"type": "number"},
        "track_rate_deg_s": {"type": "number"}, "trend": {"type": "string", "enum": ["climbing", "descending", "level", "unknown"]},
        "on_ground": {"type": "boolean"}, "seen_s": {"type": "number"}, "seen_pos_s": {"type": "number"}, "messages": {"type": "integer"}
    }});
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Finisterra",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Live traffic picture, collision risks with COLREGs rulings and advice, hazards, zones, events. Event JSON is the same as `finisterra scan` writes (see the README)."
        },
        "paths": {
            "/api/vessels": {"get": get("Vessels with a position", json!([
                q("bbox", "string", "min_lon,min_lat,max_lon,max_lat"),
                q("class", "string", "A or B"),
                q("ship_type", "string", "AIS ship type or range, e.g. 70-79"),
                q("q", "string", "Name, MMSI, call sign or IMO contains"),
                q("limit", "integer", "At most this many (a full page has a Link: <...>; rel=\"next\" header)"),
                q("after", "integer", "Cursor: vessels with a greater MMSI (the list is in MMSI order)")
            ]), "#/components/schemas/VesselList")},
            "/api/vessels/{mmsi}/track": {"get": track_get("One vessel's stored track (--data-dir or --store)", json!([
                p("mmsi", "integer", "MMSI"),
                q("from", "string", "Data time from (inclusive): ms or ISO 8601 with a zone; default to - 1 h"),
                q("to", "string", "Data time to (exclusive); default now"),
                q("after", "string", "Cursor TIME_MS:MMSI (the previous page's next)"),
                q("limit", "integer", "1..100000, default 10000"),
                q("format", "string", "json (default), csv or geojson")
            ]))},
            "/api/tracks": {"get": track_get("Every vessel's stored track points in a window (and a box), ordered by time then MMSI: the picture as it was, for playback", json!([
                q("from", "string", "Data time from (inclusive): ms or ISO 8601 with a zone; default to - 1 h"),
                q("to", "string", "Data time to (exclusive); default now"),
                q("bbox", "string", "min_lon,min_lat,max_lon,max_lat (min_lon > max_lon crosses 180°)"),
                q("after", "string", "Cursor TIME_MS:MMSI (the previous page's next)"),
                q("limit", "integer", "1..100000, default 10000"),
                q("format", "string", "json (default), csv or geojson")
            ]))},
            "/api/vessels/{mmsi}": {"get": get("One vessel: state, static data, recent track", json!([p("mmsi", "integer", "MMSI")]), "#/components/schemas/VesselDetail")},
            "/api/events": {"get": get("Stored events, oldest first (page on with since=next) or newest first (order=desc, page on with before=next); acknowledged ones carry acknowledged, acknowledged_by, acknowledged_at", json!([
                q("since", "integer", "Events with a greater id"),
                q("before", "integer", "Events with a smaller id"),
                q("order", "string", "asc (default) or desc"),
                q("kind", "string", "Comma-separated kinds, e.g. risk.raised,distress"),
                q("mmsi", "integer", "Events involving this vessel"),
                q("acknowledged", "boolean", "Only acknowledged (true) or unacknowledged (false) events"),
                q("from", "string", "Data time from (inclusive): ms since the epoch or ISO 8601 with a zone"),
                q("to", "string", "Data time to (exclusive): ms since the epoch or ISO 8601 with a zone"),
                q("limit", "integer", "1..10000, default 1000"),
                q("format", "string", "json (default), csv or geojson (Points at the event's position); a full page has a Link: <...>; rel=\"next\" header in every format")
            ]), "#/components/schemas/EventPage")},
            "/api/events/{id}": {"get": get("One stored event (with its acknowledgement)", json!([p("id", "integer", "Event id")]), "#/components/schemas/Object")},
            "/api/own-ship": {"get": get("The own ship and its targets by time to CPA (CPA, TCPA, bearing, range), its open risks", json!([q("range_nm", "number", "Targets within this range, NM (default 24)")]), "#/components/schemas/Object")},
            "/api/stations": {"get": get("Receiving stations: messages heard first, copies heard after another station, vessels, last heard, position (lat_deg, lon_deg) and farthest_range_nm / farthest_mmsi when the position is known", json!([]), "#/components/schemas/AnyList")},
            "/api/event-kinds": {"get": get("Every event kind, and which raise or end an alert", json!([]), "#/components/schemas/AnyList")},
            "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.0", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Object"}}}}}}},
            "/healthz": {"get": {"summary": "200 while the engine thread runs (with store_degraded_since), 503 once it died", "responses": {"200": {"description": "OK"}, "503": {"description": "The engine thread died"}}}},
            "/api/events/{id}/ack": {"post": {
                "summary": "Acknowledge an event (the token is needed when one is configured; X-Operator names who). The first acknowledgement stands; every open stream gets an `ack` message",
                "parameters": [p("id", "integer", "Event id")],
                "responses": {"200": {"description": "Acknowledged"}, "404": {"description": "No such event"}}
            }},
            "/api/risks": {"get": get("Open collision risks with rulings and advice", json!([]), "#/components/schemas/AnyList")},
            "/api/hazards/open": {"get": get("Open hazards (vessels heading for land or a hazard)", json!([]), "#/components/schemas/AnyList")},
            "/api/zones/open": {"get": get("Open zone violations and predictions", json!([]), "#/components/schemas/Object")},
            "/api/atons": {"get": get("Aids to navigation and base stations", json!([]), "#/components/schemas/AnyList")},
            "/api/zones": {
                "get": get("Zones (GeoJSON FeatureCollection)", json!([]), "#/components/schemas/FeatureCollection"),
                "put": change("Replace all zones", "#/components/schemas/FeatureCollection"),
                "post": change("Add one zone", "#/components/schemas/Feature")
            },
            "/api/zones/{id}": {"delete": del("zone")},
            "/api/hazards": {
                "get": get("Hazards (GeoJSON FeatureCollection)", json!([]), "#/components/schemas/FeatureCollection"),
                "put": change("Replace all hazards", "#/components/schemas/FeatureCollection"),
                "post": change("Add one hazard", "#/components/schemas/Feature")
            },
            "/api/hazards/{id}": {"delete": del("hazard")},
            "/api/visibility": {
                "get": get("Declarations of restricted visibility (the zones with rule restricted_visibility, as a FeatureCollection)", json!([]), "#/components/schemas/FeatureCollection"),
                "post": change("Declare restricted visibility for an area and time (Rule 19): added to the zones as a restricted_visibility zone with id visibility-N (returned as `id`); vessels in or near it farther apart than visibility_nm are ruled under Rule 19", "#/components/schemas/Visibility")
            },
            "/api/visibility/{id}": {"delete": {
                "summary": "Remove one declaration of restricted visibility by its id",
                "security": [{"bearer": []}],
                "parameters": [p("id", "string", "Feature id (visibility-N)")],
                "responses": {"200": {"description": "Removed"}, "401": {"description": "Missing or wrong token"}, "403": {"description": "Changes disabled"}, "404": {"description": "No such declaration"}}
            }},
            "/api/stats": {"get": get("Counters, and run_id (changes on every server start)", json!([]), "#/components/schemas/Object")},
            "/api/stream": {"get": {
                "summary": "Server-Sent Events: every event (id, kind, JSON), resumable with Last-Event-ID or ?since (a backlog of at most --stream-backlog events; older ones named in a `truncated` message); unnumbered `ack` messages ({id, acknowledged_by, acknowledged_at}), `store.degraded`/`store.recovered`, and `vessels` batches every second. 503 beyond --max-stream-clients",
                "parameters": [q("since", "integer", "Resume after this event id"), q("kinds", "string", "Comma-separated kinds"), q("vessels", "boolean", "Include vessel batches (default true)")],
                "responses": {"200": {"description": "text/event-stream"}}
            }},
            "/api/ws": {"get": {
                "summary": "WebSocket: the same frames as /api/stream, one text message each: {\"id\": N, \"event\": KIND, \"data\": EVENT} (no id for ack, vessels and other notices); resume with ?since= the last id seen; a ping every 15 s. 503 beyond --max-stream-clients",
                "parameters": [q("since", "integer", "Resume after this event id"), q("kinds", "string", "Comma-separated kinds"), q("vessels", "boolean", "Include vessel batches (default true)")],
                "responses": {"101": {"description": "Switching protocols (WebSocket)"}, "400": {"description": "Bad query", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
            }},
            "/api/land": {"get": {"summary": "The land the engine judges with (bundled or --land), for the basemap: GeoJSON (one MultiPolygon), cut at ±180°, simplified for the zoom (half a pixel); the whole world up to zoom 4, a box (at most 16384 pixels a side) above", "parameters": [{"name": "zoom", "in": "query", "schema": {"type": "number", "minimum": 0, "maximum": 30}, "description": "map zoom (default 0; fractions round up)"}, {"name": "bbox", "in": "query", "schema": {"type": "string"}, "description": "west,south,east,north in degrees (west > east crosses ±180°); needed above zoom 4"}], "responses": {"200": {"description": "GeoJSON FeatureCollection"}, "400": {"description": "bad zoom or box, or no box above zoom 4"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text/plain"}}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
                "Object": {"type": "object"},
                "TrackPage": {"type": "object", "properties": {
                    "from_ms": {"type": "integer"}, "to_ms": {"type": "integer"},
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "points": {"type": "array", "items": {"type": "array", "items": {"type": "number", "nullable": true}}},
                    "next": {"type": "string", "nullable": true}
                }, "required": ["columns", "points"]},
                "AnyList": {"type": "array", "items": {"type": "object"}},
                "VesselList": {"type": "array", "items": {"$ref": "#/components/schemas/VesselSummary"}},
                "VesselSummary": {"type": "object", "properties": {
                    "mmsi": {"type": "integer"}, "name": {"type": "string", "nullable": true},
                    "callsign": {"type": "string", "nullable": true}, "imo": {"type": "integer", "nullable": true},
                    "class": {"type": "string"}, "ship_type": {"type": "integer", "nullable": true},
                    "flag": {"type": "string", "nullable": true},
                    "lat_deg": {"type": "number", "nullable": true}, "lon_deg": {"type": "number", "nullable": true},
                    "sog_kn": {"type": "number", "nullable": true}, "cog_deg": {"type": "number", "nullable": true},
                    "heading_deg": {"type": "number", "nullable": true}, "nav_status": {"type": "integer", "nullable": true},
                    "length_m": {"type": "number", "nullable": true}, "fix_ms": {"type": "integer", "nullable": true}, "fix_time": {"type": "string", "nullable": true},
                    "lost": {"type": "boolean"}
                }, "required": ["mmsi", "class", "lost"]},
                "VesselDetail": {"type": "object", "properties": {
                    "summary": {"$ref": "#/components/schemas/VesselSummary"},
                    "vessel": {"type": "object"},
                    "track": {"type": "array", "items": {"type": "array"}},
                    "track_columns": {"type": "array", "items": {"type": "string"}}
                }, "required": ["summary", "vessel", "track"]},
                "EventPage": {"type": "object", "properties": {
                    "events": {"type": "array", "items": {"type": "object"}},
                    "next": {"type": "integer"}
                }, "required": ["events", "next"]},
                "Visibility": {"type": "object", "properties": {
                    "name": {"type": "string", "description": "default \"restricted visibility\""},
                    "geometry": {"type": "object", "description": "GeoJSON Polygon or MultiPolygon of the area"},
                    "visibility_nm": {"type": "number", "exclusiveMinimum": true, "minimum": 0, "description": "visibility, nautical miles"},
                    "active_from": {"type": "string", "description": "ISO 8601 UTC time (inclusive); absent: now"},
                    "active_until": {"type": "string", "description": "ISO 8601 UTC time (exclusive); absent: until removed"}
                }, "required": ["geometry", "visibility_nm"], "additionalProperties": false},
                "Feature": {"type": "object", "properties": {"type": {"type": "string", "enum": ["Feature"]}}, "required": ["type"]},
                "FeatureCollection": {"type": "object", "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": {"type": "array", "items": {"type": "object"}}}, "required": ["type", "features"]}
            }
        }
    });
    doc["paths"]["/api/aircraft"] = json!({"get": get("Aircraft in the picture (Mode S / ADS-B and AIS search-and-rescue aircraft), units in the names", json!([]), "#/components/schemas/AircraftList")});
    doc["paths"]["/data/aircraft.json"] = json!({"get": get("readsb's aircraft.json snapshot (hex, flight, alt_baro, gs, track, baro_rate, lat, lon, seen...), for tar1090-style tools", json!([]), "#/components/schemas/ReadsbSnapshot")});
    doc["components"]["schemas"]["AircraftList"] =
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Aircraft"}});
    doc["components"]["schemas"]["ReadsbSnapshot"] = json!({"type": "object", "properties": {
        "now": {"type": "number"}, "messages": {"type": "integer"},
        "aircraft": {"type": "array", "items": {"type": "object"}}
    }});
    doc["components"]["schemas"]["Aircraft"] = aircraft_schema;
    doc
}
