//! `/api/v1/openapi.json`: the API described in OpenAPI 3.1.
//!
//! Written by hand next to the handlers, and kept honest by tests: every
//! route the router serves is in [`ROUTES`], and every entry of
//! [`ROUTES`] is documented here (`tests/api.rs` also checks real
//! responses against the schemas' required fields).

use axum::Json;
use serde_json::{Value, json};

/// Every API route, as `(method, path)` under `/api/v1`.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/objectives"),
    ("get", "/objectives/{service}/{name}"),
    ("put", "/objectives/{service}/{name}"),
    ("delete", "/objectives/{service}/{name}"),
    ("get", "/objectives/{service}/{name}/history"),
    ("post", "/indicators"),
    ("get", "/reports"),
    ("get", "/reports/{service}/{name}"),
    ("get", "/tokens"),
    ("post", "/tokens"),
    ("delete", "/tokens/{id}"),
    ("get", "/openapi.json"),
];

fn error_responses(codes: &[u16]) -> Value {
    let mut m = serde_json::Map::new();
    for code in codes {
        m.insert(
            code.to_string(),
            json!({"description": "An error.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    Value::Object(m)
}

fn ok(description: &str, schema: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

/// The document.
pub fn spec() -> Value {
    let key = json!([
        {"name": "service", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}
    ]);
    let at = json!({"name": "at", "in": "query", "required": false,
        "description": "Report as of this time: unix seconds or RFC 3339. Default: now.", "schema": {"type": "string"}});
    let read_errors = error_responses(&[400, 401, 403, 404]);
    let write_errors = error_responses(&[400, 401, 403, 404, 409, 413, 422]);
    json!({
        "openapi": "3.1.0",
        "info": {"title": "sloop", "version": env!("CARGO_PKG_VERSION"),
                 "description": "SLOs as code: objectives synced from manifests, indicators pushed by agents and clients, reports computed exactly from good/total counts."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/objectives": {"get": {"summary": "List the tenant's objectives.", "operationId": "listObjectives",
                "responses": with(json!({"200": ok("The objectives, by service then name.", "ObjectiveList")}), read_errors.clone())}},
            "/objectives/{service}/{name}": {
                "parameters": key,
                "get": {"summary": "One objective and its manifest.", "operationId": "getObjective",
                    "responses": with(json!({"200": ok("The objective.", "ObjectiveDocument")}), read_errors.clone())},
                "put": {"summary": "Create or replace an objective (idempotent).", "operationId": "putObjective",
                    "description": "The body is a manifest in any format sloop reads (YAML or JSON) declaring exactly this objective. It is validated and stored in sloop's format.",
                    "requestBody": {"required": true, "content": {"application/yaml": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}},
                    "responses": with(json!({"200": ok("Updated or unchanged.", "PutResult"), "201": ok("Created.", "PutResult")}), write_errors.clone())},
                "delete": {"summary": "Delete an objective (its measurements stay).", "operationId": "deleteObjective",
                    "responses": with(json!({"204": {"description": "Deleted."}}), read_errors.clone())}
            },
            "/objectives/{service}/{name}/history": {"get": {"summary": "The SLO window cut into slices, for charts.", "operationId": "getHistory",
                "parameters": [key[0], key[1], at, {"name": "points", "in": "query", "schema": {"type": "integer", "minimum": 2, "maximum": 1000, "default": 120}}],
                "responses": with(json!({"200": ok("The history.", "History")}), read_errors.clone())}},
            "/indicators": {"post": {"summary": "Push a batch of indicators (all or nothing).", "operationId": "pushIndicators",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IndicatorBatch"}}}},
                "responses": with(json!({"200": ok("Stored.", "IngestResult")}), write_errors)}},
            "/reports": {"get": {"summary": "Reports of every objective, or of those a label selector picks.", "operationId": "listReports",
                "parameters": [at, {"name": "selector", "in": "query", "description": "name=value pairs, comma-separated; `service` and `slo` also select.", "schema": {"type": "string"}}],
                "responses": with(json!({"200": ok("The report, as `sloop report -o json` prints it.", "Report")}), read_errors.clone())}},
            "/reports/{service}/{name}": {"get": {"summary": "The report of one objective.", "operationId": "getReport",
                "parameters": [key[0], key[1], at],
                "responses": with(json!({"200": ok("The report.", "Report")}), read_errors.clone())}},
            "/tokens": {
                "get": {"summary": "List the tenant's tokens (admin).", "operationId": "listTokens",
                    "responses": with(json!({"200": {"description": "The tokens.", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/TokenInfo"}}}}}}), read_errors.clone())},
                "post": {"summary": "Create a token in the caller's tenant (admin).", "operationId": "createToken",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenRequest"}}}},
                    "responses": with(json!({"201": ok("The token; its secret is shown only here.", "CreatedToken")}), error_responses(&[400, 401, 403, 422]))}
            },
            "/tokens/{id}": {"delete": {"summary": "Revoke a token (admin).", "operationId": "revokeToken",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": with(json!({"204": {"description": "Revoked."}}), read_errors.clone())}},
            "/openapi.json": {"get": {"summary": "This document.", "operationId": "openapi", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1.", "content": {"application/json": {}}}}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token from `sloop token create`."}},
            "schemas": schemas()
        }
    })
}

fn schemas() -> Value {
    let labels = json!({"type": "object", "additionalProperties": {"type": "string"}});
    let instant = json!({"oneOf": [{"type": "integer"}, {"type": "string", "format": "date-time"}]});
    let nullable_number = json!({"type": ["number", "null"]});
    json!({
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
            "required": ["status", "code", "message"],
            "properties": {"status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}},
        "Indicator": {"type": "object", "additionalProperties": false, "required": ["labels", "from", "to"],
            "description": "Good and total events over (from, to], or a percentage alone (one time slice weighing one event).",
            "properties": {"labels": labels, "from": instant, "to": instant,
                "good": {"type": "number", "minimum": 0}, "total": {"type": "number", "minimum": 0},
                "percentage": {"type": "number", "minimum": 0, "maximum": 100}}},
        "IndicatorBatch": {"type": "object", "additionalProperties": false, "required": ["indicators"],
            "properties": {"indicators": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}}}},
        "IngestResult": {"type": "object", "required": ["stored", "inserted", "replaced", "unchanged", "matched", "unmatched", "objectives"],
            "properties": {"stored": {"type": "integer"}, "inserted": {"type": "integer"}, "replaced": {"type": "integer"},
                "unchanged": {"type": "integer"}, "matched": {"type": "integer"}, "unmatched": {"type": "integer"},
                "objectives": {"type": "object", "additionalProperties": {"type": "integer"}}}},
        "ObjectiveSummary": {"type": "object", "required": ["service", "name", "labels", "selector", "target", "window", "updated_at"],
            "properties": {"service": {"type": "string"}, "name": {"type": "string"}, "title": {"type": "string"},
                "labels": labels, "selector": labels, "target": {"type": "number"}, "window": {"type": "string"}, "updated_at": {"type": "integer"}}},
        "ObjectiveList": {"type": "object", "required": ["objectives"],
            "properties": {"objectives": {"type": "array", "items": {"$ref": "#/components/schemas/ObjectiveSummary"}}}},
        "ObjectiveDocument": {"allOf": [{"$ref": "#/components/schemas/ObjectiveSummary"},
            {"type": "object", "required": ["manifest"], "properties": {"manifest": {"type": "string"}}}]},
        "PutResult": {"type": "object", "required": ["result", "objective"],
            "properties": {"result": {"enum": ["created", "updated", "unchanged"]}, "objective": {"$ref": "#/components/schemas/ObjectiveSummary"}}},
        "Report": {"type": "object", "required": ["generated_at", "end", "summary", "objectives"],
            "description": "See docs/report-schema.md.",
            "properties": {"generated_at": {"type": "string"}, "end": {"type": "integer"},
                "summary": {"type": "object", "required": ["met", "breached", "no_data", "alerting"]},
                "objectives": {"type": "array", "items": {"$ref": "#/components/schemas/ObjectiveReport"}}}},
        "ObjectiveReport": {"type": "object",
            "required": ["service", "name", "target", "window", "window_start", "window_end", "status", "sli", "good", "total", "budget", "burn_rates", "alerts", "trend"],
            "properties": {"service": {"type": "string"}, "name": {"type": "string"}, "target": {"type": "number"},
                "window": {"type": "string"}, "window_start": {"type": "integer"}, "window_end": {"type": "integer"},
                "status": {"enum": ["met", "breached", "no_data"]}, "sli": nullable_number,
                "good": {"type": "number"}, "total": {"type": "number"}, "budget": {"type": ["object", "null"]},
                "burn_rates": {"type": "array"}, "alerts": {"type": "object"}, "trend": {"type": "object"}}},
        "History": {"type": "object", "required": ["service", "name", "window_start", "window_end", "ends", "sli", "budget_left"],
            "properties": {"service": {"type": "string"}, "name": {"type": "string"}, "window_start": {"type": "integer"}, "window_end": {"type": "integer"},
                "ends": {"type": "array", "items": {"type": "integer"}},
                "sli": {"type": "array", "items": nullable_number}, "budget_left": {"type": "array", "items": nullable_number}}},
        "TokenRequest": {"type": "object", "additionalProperties": false, "required": ["name", "scope"],
            "properties": {"name": {"type": "string"}, "scope": {"enum": ["read", "write", "admin"]}}},
        "CreatedToken": {"type": "object", "required": ["token", "id", "tenant", "name", "scope"],
            "properties": {"token": {"type": "string"}, "id": {"type": "string"}, "tenant": {"type": "string"}, "name": {"type": "string"}, "scope": {"enum": ["read", "write", "admin"]}}},
        "TokenInfo": {"type": "object", "required": ["id", "name", "scope", "created_at"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "scope": {"enum": ["read", "write", "admin"]}, "created_at": {"type": "integer"}}}
    })
}

/// `GET /api/v1/openapi.json` (no token needed).
pub(super) async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_and_every_reference_resolves() {
        let doc = spec();
        for (method, path) in ROUTES {
            assert!(doc["paths"][path][method].is_object(), "{method} {path} is not documented");
        }
        let text = doc.to_string();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(doc["components"]["schemas"][name].is_object(), "unresolved $ref {name}");
        }
    }
}
