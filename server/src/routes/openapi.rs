//! 接口说明 — completes the OpenAPI document the handlers' attributes describe with what every
//! operation shares, so that it lists every status an operation can send and every constraint
//! the server checks: the session cookie of signed-in routes, the answers of the layers every
//! request passes (408, 413, 414, 415, 431, 503), and the formats of identifiers, which a JSON
//! schema cannot check (a check digit) but a client can be told of.

use serde_json::{Map, Value, json};

/// Operations anyone may call without a session; every other operation needs one.
const PUBLIC: [(&str, &str); 18] = [
    ("get", "/api/v1/health"),
    ("get", "/api/v1/items"),
    ("get", "/api/v1/items/{code}"),
    ("get", "/api/v1/departments"),
    ("get", "/api/v1/themes"),
    ("get", "/api/v1/bundles"),
    ("get", "/api/v1/halls"),
    ("post", "/api/v1/identifiers/check"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/register/code"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/progress/lookup"),
    ("post", "/api/v1/progress/lookup/application"),
    ("get", "/api/v1/calendar/due"),
    ("get", "/api/v1/calendar/{year}"),
    ("get", "/api/v1/auth/session"),
    ("get", "/api/v1/catalogue/synonyms"),
    ("get", "/api/v1/openapi.json"),
];

/// Operations a department system calls with its API token instead of a session.
const TOKEN: [(&str, &str); 1] = [("get", "/api/v1/events")];

/// Statuses any operation can be answered with by the layers before its handler.
const EVERY_OPERATION: [(&str, &str); 4] = [
    ("408", "The request was not finished in time (request_timeout)"),
    ("414", "The address is too long (uri_too_long)"),
    ("431", "The headers are too large (headers_too_large)"),
    (
        "503",
        "The database cannot be reached or kept the change waiting too long for a lock (service_unavailable), or the node \
         sheds load (overloaded); both with Retry-After, and the same request may be sent again",
    ),
];

/// Statuses of an operation that reads a body.
const WITH_BODY: [(&str, &str); 4] = [
    ("400", "The body could not be read, or is not JSON (bad_request, invalid_json)"),
    ("413", "The body is larger than the operation takes (payload_too_large)"),
    ("415", "The body is not of the media type the operation takes (unsupported_media_type)"),
    ("422", "A field is invalid; `errors` names each one (validation_failed)"),
];

/// The formats of identifier fields (by property name) and how long they are.
fn field_format(property: &str) -> Option<Value> {
    Some(match property {
        "id_number" => json!({"format": "resident-id", "minLength": 18, "maxLength": 18,
            "description": "居民身份证号码: GB 11643, 18 characters, the last a check character (0-9 or X)"}),
        "uscc" => json!({"format": "uscc", "minLength": 18, "maxLength": 18,
            "description": "统一社会信用代码: GB 32100, 18 characters, the last a check character"}),
        "mobile" => json!({"format": "cn-mobile", "description": "手机号码: 11 digits starting 13 to 19"}),
        "password" => json!({"minLength": 8, "maxLength": 128}),
        "mobile_code" => json!({"pattern": "^[0-9]{6}$",
            "description": "短信验证码: the six digits POST /auth/register/code sent to the mobile"}),
        "consent_version" => json!({"enum": [shared::consent::IDENTITY_NUMBER.version],
            "description": "The version of 身份证号码处理授权 agreed to: only the current one is taken"}),
        "email" => json!({"format": "email-address", "maxLength": 254,
            "description": "电子邮箱: one @, a local part of visible characters without quotes or brackets, a domain with a dot"}),
        "application_no" => json!({"pattern": APPLICATION_NO_PATTERN,
            "description": "申办编号, e.g. YW20261207K3F9ABCDEFGHJK"}),
        "case_no" => json!({"format": "case-no", "minLength": 1, "maxLength": 40,
            "description": "办件编号, e.g. YW20261207K3F9ABCDEFGHJK-01"}),
        _ => return None,
    })
}

/// shared::catalogue::ItemCode: ASCII letters, digits and dashes, at most 40.
const ITEM_CODE_PATTERN: &str = "^[A-Za-z0-9-]{1,40}$";

/// Request schemas whose `items` are item codes.
const ITEM_LISTS: [&str; 4] = ["Draft", "SubmitRequest", "FormRequest", "GrantProxyRequest"];

/// Properties the server sets, which a client's request leaves out (a draft's time and the
/// enterprise it is for come from the server and the session).
const SERVER_SET: [(&str, &str); 2] = [("Draft", "updated_at"), ("Draft", "acting_uscc")];

/// Request schemas whose `name` is a person's name (1 to 50 characters, no markup).
const PERSON_NAME_SCHEMAS: [&str; 4] =
    ["RegisterRequest", "GrantAgentRequest", "RepresentRequest", "GrantProxyRequest"];

/// Completes the document: see the module's comment.
pub fn complete(mut doc: Value) -> Value {
    add_security_scheme(&mut doc);
    add_webhook(&mut doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, operation) in item.iter_mut() {
                complete_operation(method, path, operation);
            }
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, schema) in schemas.iter_mut() {
            constrain_properties(name, schema);
        }
        if let Some(Value::Object(code)) = schemas.get_mut("ItemCode") {
            code.entry("pattern").or_insert_with(|| json!(ITEM_CODE_PATTERN));
        }
        // Email notices need an address.
        if let Some(Value::Object(settings)) = schemas.get_mut("NotificationSettings") {
            settings.insert(
                "if".to_owned(),
                json!({"properties": {"by_email": {"const": true}}, "required": ["by_email"]}),
            );
            settings.insert(
                "then".to_owned(),
                json!({"required": ["email"],
                "properties": {"email": {"type": "string", "format": "email-address", "minLength": 6}}}),
            );
            if let Some(Value::Object(properties)) = settings.get_mut("properties") {
                properties.insert(
                    "lang".to_owned(),
                    json!({"type": "string", "enum": ["zh-CN", "en"],
                    "description": "The language messages are written in"}),
                );
            }
        }
        // The value's format follows its kind, which one object schema cannot say.
        if let Some(check) = schemas.get_mut("IdentifierCheckRequest") {
            let description = check.get("description").cloned().unwrap_or(Value::Null);
            *check = json!({
                "description": description,
                "oneOf": [
                    {"type": "object", "required": ["kind", "value"], "properties": {
                        "kind": {"type": "string", "enum": ["resident_id"]},
                        "value": {"type": "string", "format": "resident-id"}}},
                    {"type": "object", "required": ["kind", "value"], "properties": {
                        "kind": {"type": "string", "enum": ["uscc"]},
                        "value": {"type": "string", "format": "uscc"}}},
                ]
            });
        }
    }
    doc
}

fn add_security_scheme(doc: &mut Value) {
    let components = doc.as_object_mut().map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(Value::Object(components)) = components {
        let schemes = components.entry("securitySchemes").or_insert_with(|| json!({}));
        schemes["session"] = json!({
            "type": "apiKey", "in": "cookie", "name": crate::auth::session::COOKIE_NAME,
            "description": "The session a sign-in sets (HttpOnly, Secure, SameSite=Strict)"
        });
        schemes["api_token"] = json!({
            "type": "http", "scheme": "bearer",
            "description": "A department's API token (ywt_…), issued by its systems administrator; hashed at rest, shown once, revocable"
        });
    }
}

/// The webhook every registered endpoint receives: the same event the feed answers, signed.
fn add_webhook(doc: &mut Value) {
    let Some(d) = doc.as_object_mut() else { return };
    d.insert("webhooks".to_owned(), json!({
        "departmentEvent": {"post": {
            "summary": "部门事件推送 — an event on one of the department's cases",
            "description": "POSTed to each endpoint the department's systems administrator registered, once per event, \
                retried with exponential backoff (10 s doubling to 1 h) for 24 hours until the endpoint answers 2xx. \
                A retry carries the same X-Yiwang-Delivery; the body's `id` is the event's, as in the feed. \
                Verify X-Yiwang-Signature (`sha256=` and the hex HMAC-SHA256 of the raw body under the endpoint's \
                secret) before trusting the body.",
            "parameters": [
                {"name": shared::notify::SIGNATURE_HEADER, "in": "header", "required": true,
                 "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
                 "description": "HMAC-SHA256 of the body under the endpoint's secret, hex"},
                {"name": shared::notify::DELIVERY_HEADER, "in": "header",
                 "description": "The delivery's id: the same on every retry of it", "required": true, "schema": {"type": "string", "format": "uuid"}},
                {"name": shared::notify::EVENT_TYPE_HEADER, "in": "header",
                 "description": "The event's type: case.acted, case.moved or card.raised", "required": true, "schema": {"type": "string"}},
            ],
            "requestBody": {"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/DepartmentEvent"}}}},
            "responses": {"2XX": {"description": "Taken; anything else is retried"}},
        }}
    }));
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn complete_operation(method: &str, path: &str, operation: &mut Value) {
    let Some(op) = operation.as_object_mut() else { return };
    let by_token = TOKEN.contains(&(method, path));
    let public = PUBLIC.contains(&(method, path)) || by_token;
    let has_body = op.contains_key("requestBody");
    let has_params = op.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty());
    if let Some(parameters) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for parameter in parameters.iter_mut() {
            constrain_parameter(parameter);
        }
    }
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else { return };
    let mut add = |status: &str, description: &str| {
        responses.entry(status.to_owned()).or_insert_with(|| problem(description));
    };
    for (status, description) in EVERY_OPERATION {
        add(status, description);
    }
    if has_body {
        for (status, description) in WITH_BODY {
            add(status, description);
        }
    }
    if has_params {
        add("400", "A parameter is malformed (invalid_path, invalid_query)");
        add("422", "A parameter is invalid; `errors` names it (validation_failed)");
    }
    if !public {
        add(
            "401",
            "No valid session, or the staff member's second factor is still to pass (unauthenticated, totp_required)",
        );
        if method != "get" {
            add("403", "The request came from another site (csrf_rejected), or the person may not do this (forbidden)");
        }
    }
    // Every error answer is a problem document, whatever the handler's attribute said.
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            let description = response.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
            *response = problem(&description);
        }
    }
    if by_token {
        op.insert("security".to_owned(), json!([{"api_token": []}]));
    } else if !public {
        op.insert("security".to_owned(), json!([{"session": []}]));
    }
}

/// Path parameters the server parses: their shape, so that a fuzzer sends ones that parse.
/// The shape of an application number ([`shared::ids::ApplicationNo`]).
const APPLICATION_NO_PATTERN: &str = "^YW[0-9]{8}[0-9A-HJKMNP-TV-Z]{10}$";
/// The shape of a case number ([`shared::ids::CaseNo`]).
const CASE_NO_PATTERN: &str = "^YW[0-9]{8}[0-9A-HJKMNP-TV-Z]{10}-(0[1-9]|[1-9][0-9])$";

fn constrain_parameter(parameter: &mut Value) {
    let is_path = parameter.get("in").and_then(Value::as_str) == Some("path");
    let name = parameter.get("name").and_then(Value::as_str).unwrap_or_default();
    let extra = match (is_path, name) {
        // shared::catalogue::ItemCode: letters, digits and dashes, at most 40.
        (true, "code") => json!({"pattern": ITEM_CODE_PATTERN}),
        (true, "uscc") => json!({"format": "uscc"}),
        // shared::ids::ApplicationNo: YW, the date, ten characters of Crockford's base 32.
        (true, "application_no") => json!({"pattern": APPLICATION_NO_PATTERN}),
        // shared::ids::CaseNo: the application number and the case's place, 01 to 99.
        (true, "case_no") => json!({"pattern": CASE_NO_PATTERN}),
        // shared::ids::RecordId: a hyphenated UUID.
        (true, "id" | "person_id") => json!({"format": "uuid"}),
        // shared::memory::FieldKey: a form field's key.
        (true, "key") => json!({"pattern": "^[a-z0-9_]{1,64}$"}),
        // Visible ASCII, 1 to 128 characters (applying::IdempotencyKey).
        (false, "Idempotency-Key") => json!({"pattern": "^[!-~]{1,128}$"}),
        _ => return,
    };
    if let (Some(Value::Object(schema)), Value::Object(extra)) = (parameter.get_mut("schema"), extra) {
        merge(schema, extra);
    }
}

fn constrain_properties(schema_name: &str, schema: &mut Value) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else { return };
    for (property, definition) in properties.iter_mut() {
        let extra = if property == "name" && PERSON_NAME_SCHEMAS.contains(&schema_name) {
            Some(json!({"format": "person-name", "minLength": 1, "maxLength": 50}))
        } else if property == "items" && ITEM_LISTS.contains(&schema_name) {
            Some(json!({"items": {"type": "string", "pattern": ITEM_CODE_PATTERN}}))
        } else if SERVER_SET.contains(&(schema_name, property.as_str())) {
            Some(json!({"readOnly": true}))
        } else if property.ends_with("_at") {
            Some(json!({"format": "date-time"}))
        } else {
            field_format(property)
        };
        if let (Some(Value::Object(extra)), Some(definition)) = (extra, definition.as_object_mut()) {
            merge(definition, extra);
        }
    }
}

/// Adds what `extra` says and `into` does not, object by object.
fn merge(into: &mut Map<String, Value>, extra: Map<String, Value>) {
    for (key, value) in extra {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(inner)), Value::Object(value)) => merge(inner, value),
            (Some(_), _) => {}
            (None, value) => {
                into.insert(key, value);
            }
        }
    }
}
