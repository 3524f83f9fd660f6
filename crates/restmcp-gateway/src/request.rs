//! Builds the backend HTTP request of one tool call from the tool's
//! [`HttpBinding`] and the (already validated) arguments, without the
//! OpenAPI document.
//!
//! Owns: path templating (every value percent-encoded inside its segment, so
//! `../admin` can never change the path), query styles (form, explode,
//! space/pipe-delimited, deepObject, JSON content), headers, cookies, and
//! the body kinds (JSON, form-urlencoded, multipart with base64 file
//! arguments decoded, raw text or bytes). The result is plain data
//! ([`BackendRequest`]) so a retry can send it again.

use base64::Engine as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use restmcp_catalog::{ArgBinding, BodyKind, HttpBinding, ParamLocation, ParamStyle};
use serde_json::{Map, Value};
use url::Url;

use crate::errors::FieldProblem;

/// Everything but RFC 3986 unreserved characters: what a path segment or a
/// query component value is encoded with.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// For `allowReserved` query values: reserved characters stay as written.
const COMPONENT_RESERVED_OK: &AsciiSet = &COMPONENT
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'#')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';');

/// A cookie value may not hold separators, quotes or spaces.
const COOKIE: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// A request ready to send (as often as retries need).
#[derive(Debug, Clone)]
pub struct BackendRequest {
    /// HTTP method.
    pub method: reqwest::Method,
    /// Full URL with the query string.
    pub url: Url,
    /// Headers from arguments (and cookies), before the gateway's own.
    pub headers: HeaderMap,
    /// The body.
    pub body: RequestBody,
}

/// A request body as data.
#[derive(Debug, Clone)]
pub enum RequestBody {
    /// No body.
    Empty,
    /// Bytes with their content type.
    Bytes {
        content_type: String,
        bytes: Vec<u8>,
    },
    /// `multipart/form-data` parts.
    Multipart(Vec<Part>),
}

/// One multipart part.
#[derive(Debug, Clone)]
pub struct Part {
    /// Field name.
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// A file part's file name.
    pub file_name: Option<String>,
    /// The part's media type.
    pub content_type: Option<String>,
}

impl BackendRequest {
    /// One reqwest request for one attempt.
    pub fn to_reqwest(&self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        let builder = client
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        match &self.body {
            RequestBody::Empty => builder,
            RequestBody::Bytes {
                content_type,
                bytes,
            } => builder
                .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
                .body(bytes.clone()),
            RequestBody::Multipart(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for part in parts {
                    let bytes = || reqwest::multipart::Part::bytes(part.bytes.clone());
                    // An unparsable media type is sent without one (the
                    // backend then sniffs), never dropped with the file name.
                    let mut p = match &part.content_type {
                        Some(content_type) => {
                            bytes().mime_str(content_type).unwrap_or_else(|_| bytes())
                        }
                        None => bytes(),
                    };
                    if let Some(file_name) = &part.file_name {
                        p = p.file_name(file_name.clone());
                    }
                    form = form.part(part.name.clone(), p);
                }
                builder.multipart(form)
            }
        }
    }
}

/// Builds the request; a problem an argument causes (a value that cannot
/// go where the binding puts it) comes back as field problems.
pub fn build(
    base: &Url,
    binding: &HttpBinding,
    arguments: &Map<String, Value>,
) -> Result<BackendRequest, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let path = expand_path(&binding.path, &binding.args, arguments, &mut problems);
    let mut query: Vec<String> = Vec::new();
    let mut headers = HeaderMap::new();
    let mut cookies: Vec<String> = Vec::new();
    let mut fields = Map::new();
    let mut whole_body: Option<&Value> = None;
    let mut form_pairs: Vec<(String, String)> = Vec::new();
    let mut parts: Vec<Part> = Vec::new();

    for arg in &binding.args {
        let Some(value) = arguments.get(&arg.arg) else {
            continue;
        };
        match arg.location {
            ParamLocation::Path => {}
            ParamLocation::Query => {
                if !value.is_null() {
                    query_pairs(arg, value, &mut query);
                }
            }
            ParamLocation::Header => {
                if value.is_null() {
                    continue;
                }
                let text = match &arg.content_type {
                    Some(_) => value.to_string(),
                    None => simple(value, arg.explode),
                };
                match (HeaderName::from_bytes(arg.name.as_bytes()), HeaderValue::from_str(&text)) {
                    (Ok(name), Ok(value)) => {
                        headers.append(name, value);
                    }
                    (Err(_), _) => problems.push(problem(arg, "names a header that is not a valid HTTP header name")),
                    (_, Err(_)) => problems.push(problem(
                        arg,
                        "cannot be sent as an HTTP header (only visible ASCII is allowed, no line breaks)",
                    )),
                }
            }
            ParamLocation::Cookie => {
                if !value.is_null() {
                    let text = simple(value, arg.explode);
                    cookies.push(format!(
                        "{}={}",
                        arg.name,
                        utf8_percent_encode(&text, COOKIE)
                    ));
                }
            }
            ParamLocation::BodyField => {
                fields.insert(arg.name.clone(), value.clone());
            }
            ParamLocation::Body => whole_body = Some(value),
            ParamLocation::FormField => form_field(arg, value, &mut form_pairs),
            ParamLocation::MultipartField { file } => {
                multipart_field(arg, value, file, &mut parts, &mut problems);
            }
        }
    }

    let body = match &binding.body {
        None => RequestBody::Empty,
        Some(body) => match body.kind {
            BodyKind::Json => {
                let value = match whole_body {
                    Some(value) => Some(value.clone()),
                    None if !fields.is_empty() || body.required => Some(Value::Object(fields)),
                    None => None,
                };
                match value {
                    Some(value) => RequestBody::Bytes {
                        content_type: body.media_type.clone(),
                        bytes: serde_json::to_vec(&value).unwrap_or_default(),
                    },
                    None => RequestBody::Empty,
                }
            }
            BodyKind::Form => {
                if let Some(Value::Object(map)) = whole_body {
                    for (key, value) in map {
                        form_value(key, value, &mut form_pairs);
                    }
                }
                if form_pairs.is_empty() && !body.required {
                    RequestBody::Empty
                } else {
                    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
                    for (k, v) in &form_pairs {
                        serializer.append_pair(k, v);
                    }
                    RequestBody::Bytes {
                        content_type: "application/x-www-form-urlencoded".to_owned(),
                        bytes: serializer.finish().into_bytes(),
                    }
                }
            }
            BodyKind::Multipart => {
                if let Some(Value::Object(map)) = whole_body {
                    for (key, value) in map {
                        parts.push(Part {
                            name: key.clone(),
                            bytes: scalar_text(value).into_bytes(),
                            file_name: None,
                            content_type: None,
                        });
                    }
                }
                if parts.is_empty() && !body.required {
                    RequestBody::Empty
                } else {
                    RequestBody::Multipart(parts)
                }
            }
            BodyKind::Raw => match whole_body {
                None | Some(Value::Null) => RequestBody::Empty,
                Some(value) => {
                    let text = scalar_text(value);
                    let bytes = if body.base64 {
                        match decode_base64(&text) {
                            Ok(bytes) => bytes,
                            Err(why) => {
                                problems.push(FieldProblem {
                                    argument: "body".to_owned(),
                                    problem: why,
                                });
                                Vec::new()
                            }
                        }
                    } else {
                        text.into_bytes()
                    };
                    RequestBody::Bytes {
                        content_type: body.media_type.clone(),
                        bytes,
                    }
                }
            },
        },
    };

    if !cookies.is_empty()
        && let Ok(value) = HeaderValue::from_str(&cookies.join("; "))
    {
        headers.insert(reqwest::header::COOKIE, value);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut text = base.as_str().trim_end_matches('/').to_owned();
    text.push_str(&path);
    if !query.is_empty() {
        text.push('?');
        text.push_str(&query.join("&"));
    }
    let url = Url::parse(&text).map_err(|e| {
        vec![FieldProblem {
            argument: String::new(),
            problem: format!("the arguments make an invalid URL ({e})"),
        }]
    })?;
    let method = reqwest::Method::from_bytes(binding.method.as_str().as_bytes())
        .unwrap_or(reqwest::Method::GET);
    Ok(BackendRequest {
        method,
        url,
        headers,
        body,
    })
}

fn problem(arg: &ArgBinding, what: &str) -> FieldProblem {
    FieldProblem {
        argument: arg.arg.clone(),
        problem: what.to_owned(),
    }
}

/// Fills `{name}` placeholders. A value is encoded so it stays inside its
/// segment; `.` and `..` are refused (URL parsers resolve them).
fn expand_path(
    template: &str,
    args: &[ArgBinding],
    arguments: &Map<String, Value>,
    problems: &mut Vec<FieldProblem>,
) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}').map(|c| c + open) else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &rest[open + 1..close];
        let arg = args
            .iter()
            .find(|a| a.location == ParamLocation::Path && a.name == name);
        match arg.and_then(|a| arguments.get(&a.arg).map(|v| (a, v))) {
            Some((arg, value)) => {
                if value.is_null() {
                    problems.push(problem(arg, "is a path argument and cannot be null"));
                }
                let text = simple(value, arg.explode);
                if text.is_empty() {
                    problems.push(problem(arg, "is a path argument and cannot be empty"));
                } else if text == "." || text == ".." {
                    problems.push(problem(
                        arg,
                        "cannot be `.` or `..` (it would change the path)",
                    ));
                }
                let encoded = utf8_percent_encode(&text, COMPONENT).to_string();
                match arg.style {
                    ParamStyle::Label => {
                        out.push('.');
                        out.push_str(&encoded);
                    }
                    ParamStyle::Matrix => {
                        out.push(';');
                        out.push_str(&utf8_percent_encode(&arg.name, COMPONENT).to_string());
                        out.push('=');
                        out.push_str(&encoded);
                    }
                    _ => out.push_str(&encoded),
                }
            }
            None => {
                let argument = arg.map_or_else(|| name.to_owned(), |a| a.arg.clone());
                problems.push(FieldProblem {
                    argument,
                    problem: "is required (it is part of the path) but missing".to_owned(),
                });
            }
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A scalar as text: strings unquoted, others as JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// OpenAPI `simple` style: arrays `a,b`, objects `k,v,k,v` (`k=v,k=v`
/// exploded).
fn simple(value: &Value, explode: bool) -> String {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                if explode {
                    format!("{k}={}", scalar_text(v))
                } else {
                    format!("{k},{}", scalar_text(v))
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        other => scalar_text(other),
    }
}

fn encode(text: &str, allow_reserved: bool) -> String {
    let set = if allow_reserved {
        COMPONENT_RESERVED_OK
    } else {
        COMPONENT
    };
    utf8_percent_encode(text, set).to_string()
}

/// Query parameters by style.
fn query_pairs(arg: &ArgBinding, value: &Value, out: &mut Vec<String>) {
    let name = encode(&arg.name, false);
    let enc = |text: &str| encode(text, arg.allow_reserved);
    if arg.content_type.is_some() {
        out.push(format!("{name}={}", enc(&value.to_string())));
        return;
    }
    match (arg.style, value) {
        (ParamStyle::DeepObject, Value::Object(map)) => {
            for (key, v) in map {
                match v {
                    Value::Array(items) => {
                        for item in items {
                            out.push(format!(
                                "{name}%5B{}%5D={}",
                                encode(key, false),
                                enc(&scalar_text(item))
                            ));
                        }
                    }
                    _ => out.push(format!(
                        "{name}%5B{}%5D={}",
                        encode(key, false),
                        enc(&scalar_text(v))
                    )),
                }
            }
        }
        (_, Value::Array(items)) => {
            let separator = match arg.style {
                ParamStyle::SpaceDelimited => " ",
                ParamStyle::PipeDelimited => "|",
                _ => ",",
            };
            if arg.explode {
                for item in items {
                    out.push(format!("{name}={}", enc(&scalar_text(item))));
                }
            } else {
                let joined = items
                    .iter()
                    .map(scalar_text)
                    .collect::<Vec<_>>()
                    .join(separator);
                out.push(format!("{name}={}", enc(&joined)));
            }
        }
        (_, Value::Object(map)) => {
            if arg.explode {
                for (key, v) in map {
                    out.push(format!("{}={}", encode(key, false), enc(&scalar_text(v))));
                }
            } else {
                out.push(format!("{name}={}", enc(&simple(value, false))));
            }
        }
        (_, other) => out.push(format!("{name}={}", enc(&scalar_text(other)))),
    }
}

fn form_field(arg: &ArgBinding, value: &Value, out: &mut Vec<(String, String)>) {
    if arg.content_type.is_some() {
        out.push((arg.name.clone(), value.to_string()));
    } else {
        form_value(&arg.name, value, out);
    }
}

/// A form field: arrays repeat the field, objects are sent as JSON, null is
/// left out.
fn form_value(name: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                form_value(name, item, out);
            }
        }
        Value::Object(_) => out.push((name.to_owned(), value.to_string())),
        other => out.push((name.to_owned(), scalar_text(other))),
    }
}

fn multipart_field(
    arg: &ArgBinding,
    value: &Value,
    file: bool,
    parts: &mut Vec<Part>,
    problems: &mut Vec<FieldProblem>,
) {
    let items: Vec<&Value> = match value {
        Value::Null => return,
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for item in items {
        if file {
            let text = scalar_text(item);
            match decode_base64(&text) {
                Ok(bytes) => parts.push(Part {
                    name: arg.name.clone(),
                    bytes,
                    file_name: Some(arg.upload_file_name()),
                    content_type: Some(
                        arg.content_type
                            .clone()
                            .filter(|c| !c.contains('*'))
                            .unwrap_or_else(|| "application/octet-stream".to_owned()),
                    ),
                }),
                Err(why) => problems.push(problem(arg, &why)),
            }
        } else {
            let (bytes, content_type) = match (&arg.content_type, item) {
                (Some(ct), _) => (item.to_string().into_bytes(), Some(ct.clone())),
                (None, Value::Object(_)) => (
                    item.to_string().into_bytes(),
                    Some("application/json".to_owned()),
                ),
                (None, other) => (scalar_text(other).into_bytes(), None),
            };
            parts.push(Part {
                name: arg.name.clone(),
                bytes,
                file_name: None,
                content_type,
            });
        }
    }
}

/// Standard base64, padded or not; URL-safe accepted too.
fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let trimmed: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    for engine in engines {
        if let Ok(bytes) = engine.decode(&trimmed) {
            return Ok(bytes);
        }
    }
    Err("must be base64-encoded file content (it is not valid base64)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use restmcp_catalog::{BodyBinding, HttpMethod};
    use serde_json::json;

    fn arg(
        arg: &str,
        name: &str,
        location: ParamLocation,
        style: ParamStyle,
        explode: bool,
    ) -> ArgBinding {
        ArgBinding {
            arg: arg.into(),
            name: name.into(),
            location,
            style,
            explode,
            allow_reserved: false,
            required: false,
            content_type: None,
        }
    }

    fn binding(path: &str, args: Vec<ArgBinding>, body: Option<BodyBinding>) -> HttpBinding {
        HttpBinding {
            method: HttpMethod::Post,
            path: path.into(),
            args,
            body,
            response: None,
            security: None,
        }
    }

    fn base() -> Url {
        Url::parse("http://127.0.0.1:9/api/").unwrap()
    }

    fn build_ok(binding: &HttpBinding, arguments: Value) -> BackendRequest {
        build(&base(), binding, arguments.as_object().unwrap()).unwrap()
    }

    #[test]
    fn path_values_stay_inside_their_segment() {
        let b = binding(
            "/tasks/{task_id}/files/{name}",
            vec![
                arg(
                    "task_id",
                    "task_id",
                    ParamLocation::Path,
                    ParamStyle::Simple,
                    false,
                ),
                arg(
                    "name",
                    "name",
                    ParamLocation::Path,
                    ParamStyle::Simple,
                    false,
                ),
            ],
            None,
        );
        let r = build_ok(&b, json!({"task_id": 7, "name": "../../admin?x=1#y"}));
        assert_eq!(
            r.url.as_str(),
            "http://127.0.0.1:9/api/tasks/7/files/..%2F..%2Fadmin%3Fx%3D1%23y"
        );
        assert_eq!(r.url.path_segments().unwrap().count(), 5);

        for dots in [".", ".."] {
            let err = build(
                &base(),
                &b,
                json!({"task_id": 1, "name": dots}).as_object().unwrap(),
            )
            .unwrap_err();
            assert_eq!(err[0].argument, "name");
        }
        let err = build(&base(), &b, json!({"task_id": 1}).as_object().unwrap()).unwrap_err();
        assert_eq!(err[0].argument, "name");
    }

    #[test]
    fn query_styles() {
        let b = binding(
            "/s",
            vec![
                arg("tag", "tag", ParamLocation::Query, ParamStyle::Form, true),
                arg("ids", "ids", ParamLocation::Query, ParamStyle::Form, false),
                arg(
                    "f",
                    "filter",
                    ParamLocation::Query,
                    ParamStyle::DeepObject,
                    true,
                ),
                arg(
                    "p",
                    "p",
                    ParamLocation::Query,
                    ParamStyle::PipeDelimited,
                    false,
                ),
                arg("q", "q", ParamLocation::Query, ParamStyle::Form, true),
                arg("none", "none", ParamLocation::Query, ParamStyle::Form, true),
            ],
            None,
        );
        let r = build_ok(
            &b,
            json!({"tag": ["a b", "c&d"], "ids": [1, 2], "f": {"state": "open"}, "p": ["x", "y"], "q": "ü", "none": null}),
        );
        assert_eq!(
            r.url.query(),
            Some("tag=a%20b&tag=c%26d&ids=1%2C2&filter%5Bstate%5D=open&p=x%7Cy&q=%C3%BC")
        );
    }

    #[test]
    fn headers_cookies_and_json_body() {
        let b = binding(
            "/tags/{name}",
            vec![
                arg(
                    "name__path",
                    "name",
                    ParamLocation::Path,
                    ParamStyle::Simple,
                    false,
                ),
                arg(
                    "X-User-ID",
                    "X-User-ID",
                    ParamLocation::Header,
                    ParamStyle::Simple,
                    false,
                ),
                arg(
                    "session",
                    "session",
                    ParamLocation::Cookie,
                    ParamStyle::Form,
                    true,
                ),
                arg(
                    "name__body",
                    "name",
                    ParamLocation::BodyField,
                    ParamStyle::Simple,
                    false,
                ),
                arg(
                    "note",
                    "note",
                    ParamLocation::BodyField,
                    ParamStyle::Simple,
                    false,
                ),
            ],
            Some(BodyBinding {
                media_type: "application/json".into(),
                kind: BodyKind::Json,
                required: true,
                base64: false,
            }),
        );
        let r = build_ok(
            &b,
            json!({"name__path": "old", "X-User-ID": "u1", "session": "a b;c", "name__body": "new", "note": null}),
        );
        assert_eq!(r.url.path(), "/api/tags/old");
        assert_eq!(r.headers["x-user-id"], "u1");
        assert_eq!(r.headers["cookie"], "session=a%20b%3Bc");
        let RequestBody::Bytes {
            content_type,
            bytes,
        } = &r.body
        else {
            panic!("{:?}", r.body)
        };
        assert_eq!(content_type, "application/json");
        let sent: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(sent, json!({"name": "new", "note": null}));

        let err = build(
            &base(),
            &b,
            json!({"name__path": "a", "X-User-ID": "bad\nvalue"})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(err[0].argument, "X-User-ID");
    }

    #[test]
    fn form_and_multipart_bodies() {
        let form = binding(
            "/f",
            vec![
                arg(
                    "title",
                    "title",
                    ParamLocation::FormField,
                    ParamStyle::Form,
                    true,
                ),
                arg(
                    "tags",
                    "tags",
                    ParamLocation::FormField,
                    ParamStyle::Form,
                    true,
                ),
            ],
            Some(BodyBinding {
                media_type: "application/x-www-form-urlencoded".into(),
                kind: BodyKind::Form,
                required: true,
                base64: false,
            }),
        );
        let r = build_ok(&form, json!({"title": "a&b c", "tags": ["x", "y"]}));
        let RequestBody::Bytes { bytes, .. } = &r.body else {
            panic!()
        };
        assert_eq!(
            String::from_utf8_lossy(bytes),
            "title=a%26b+c&tags=x&tags=y"
        );

        let mut file = arg(
            "file",
            "file",
            ParamLocation::MultipartField { file: true },
            ParamStyle::Form,
            true,
        );
        file.content_type = Some("image/png".into());
        let multipart = binding(
            "/u",
            vec![
                file,
                arg(
                    "note",
                    "note",
                    ParamLocation::MultipartField { file: false },
                    ParamStyle::Form,
                    true,
                ),
            ],
            Some(BodyBinding {
                media_type: "multipart/form-data".into(),
                kind: BodyKind::Multipart,
                required: true,
                base64: false,
            }),
        );
        let r = build_ok(&multipart, json!({"file": "aGVsbG8=", "note": "hi"}));
        let RequestBody::Multipart(parts) = &r.body else {
            panic!()
        };
        assert_eq!(parts[0].bytes, b"hello");
        assert_eq!(parts[0].file_name.as_deref(), Some("file.png"));
        assert_eq!(parts[1].bytes, b"hi");
        let err = build(
            &base(),
            &multipart,
            json!({"file": "not base64!"}).as_object().unwrap(),
        )
        .unwrap_err();
        assert_eq!(err[0].argument, "file");
    }
}
