//! Loading the files under `fixtures/openapi/spec/` (one behaviour per file):
//! format detection, the 3.0 and Swagger 2.0 translations, `$ref` inlining,
//! cycles, external refs and their limits, and the errors for broken input.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use restmcp_spec::{Error, LoadOptions, Origin, Source, SourceVersion, Spec};
use serde_json::{Value, json};

use crate::contract::violations;
use crate::fixture;

/// Loads a fixture file and checks the normalized shape's contract.
async fn load_with(name: &str, options: &LoadOptions) -> Result<Spec, Error> {
    let spec = restmcp_spec::load(&Source::File(fixture(name)), options).await?;
    let found = violations(&spec.document);
    assert!(found.is_empty(), "{name} breaks the contract: {found:#?}");
    Ok(spec)
}

async fn load(name: &str) -> Spec {
    match load_with(name, &LoadOptions::default()).await {
        Ok(spec) => spec,
        Err(err) => panic!("{name} failed to load: {err}"),
    }
}

async fn load_err(name: &str, options: &LoadOptions) -> Error {
    match load_with(name, options).await {
        Ok(spec) => panic!("{name} loaded but should fail: {:#}", spec.document),
        Err(err) => err,
    }
}

fn allow_external() -> LoadOptions {
    LoadOptions {
        allow_external_refs: true,
        ..LoadOptions::default()
    }
}

/// The schema a `{"$ref": "#/components/schemas/X"}` names.
fn deref<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let reference = schema["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("not a ref: {schema}"));
    let name = reference
        .strip_prefix("#/components/schemas/")
        .unwrap_or_else(|| panic!("not a schema ref: {reference}"));
    doc["components"]["schemas"]
        .get(name)
        .unwrap_or_else(|| panic!("{reference} does not resolve"))
}

/// Parses `path` on another thread and fails the test if that takes more
/// than a few seconds (a cycle must be an error, not a hang).
fn parse_file_within_time(path: &Path) -> Result<Spec, Error> {
    let text = std::fs::read_to_string(path).unwrap();
    let origin = Origin::File(path.to_owned());
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(restmcp_spec::parse_str(
            &text,
            origin,
            &LoadOptions::default(),
        ));
    });
    receive
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{} did not finish in 10 s", path.display()))
}

// --- Formats and versions ------------------------------------------------------

#[tokio::test]
async fn oas31_document_passes_through_unchanged() {
    let spec = load("oas31-passthrough.json").await;
    let source: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("oas31-passthrough.json")).unwrap())
            .unwrap();
    assert_eq!(spec.document, source);
    assert_eq!(spec.source_version, SourceVersion::OpenApi31);
    assert_eq!(spec.origin, Origin::File(fixture("oas31-passthrough.json")));
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.title(), Some("Already 3.1"));
    assert_eq!(
        spec.base_url().map(String::from).as_deref(),
        Some("https://eu.example.com/v1")
    );
}

#[tokio::test]
async fn yaml_is_detected_by_content_in_a_json_named_file() {
    let spec = load("yaml-content.json").await;
    assert_eq!(spec.title(), Some("YAML inside .json"));
    assert_eq!(spec.source_version, SourceVersion::OpenApi31);
    // The YAML integer key `200` becomes the status code string.
    assert_eq!(
        spec.document["paths"]["/ping"]["get"]["responses"]["200"]["description"],
        "pong"
    );
}

#[tokio::test]
async fn json_is_detected_by_content_in_a_yaml_named_file() {
    let spec = load("json-content.yaml").await;
    assert_eq!(spec.title(), Some("JSON inside .yaml"));
    assert_eq!(
        spec.document["paths"]["/ping"]["get"]["responses"]["200"]["description"],
        "pong"
    );
}

#[tokio::test]
async fn oas30_nullable_folds_into_type_arrays_and_any_of() {
    let spec = load("oas30-nullable.json").await;
    assert_eq!(spec.source_version, SourceVersion::OpenApi30);
    assert_eq!(spec.document["openapi"], "3.1.0");
    let props = &spec.document["components"]["schemas"]["Pet"]["properties"];
    assert_eq!(props["name"], json!({"type": ["string", "null"]}));
    // An enum must admit null too, or the `null` type would be unusable.
    assert_eq!(
        props["status"],
        json!({"type": ["string", "null"], "enum": ["sold", "available", null]})
    );
    // A `$ref` cannot take a type array: it becomes `anyOf`, the
    // description staying outside.
    assert_eq!(
        props["owner"],
        json!({"description": "Who owns it", "anyOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}]})
    );
    assert_eq!(props["age"], json!({"type": "integer"}));
}

#[tokio::test]
async fn oas30_boolean_exclusive_bounds_become_numeric() {
    let spec = load("oas30-exclusive-bounds.json").await;
    let schemas = &spec.document["components"]["schemas"];
    assert_eq!(
        schemas["Percent"],
        json!({"type": "number", "exclusiveMinimum": 0, "maximum": 100})
    );
    assert_eq!(
        schemas["Below"],
        json!({"type": "integer", "exclusiveMaximum": 10})
    );
}

#[tokio::test]
async fn oas30_example_moves_to_examples() {
    let spec = load("oas30-example.json").await;
    let doc = &spec.document;
    assert_eq!(
        doc["components"]["schemas"]["Tag"],
        json!({"type": "string", "examples": ["blue"]})
    );
    let both = &doc["components"]["schemas"]["Both"];
    assert!(both.get("example").is_none(), "{both}");
    let examples = both["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 3, "{both}");
    for value in [1, 2, 3] {
        assert!(examples.contains(&json!(value)), "{both}");
    }
    // Schemas outside `components` are translated too.
    assert_eq!(
        doc["paths"]["/search"]["get"]["parameters"][0]["schema"],
        json!({"type": "string", "examples": ["cats"]})
    );
}

// --- Swagger 2.0 ------------------------------------------------------------------

#[tokio::test]
async fn swagger2_petstore_becomes_openapi_31() {
    let spec = load("swagger2-petstore.yaml").await;
    let doc = &spec.document;
    assert_eq!(spec.source_version, SourceVersion::Swagger2);
    for gone in [
        "swagger",
        "host",
        "basePath",
        "schemes",
        "consumes",
        "produces",
        "definitions",
        "securityDefinitions",
    ] {
        assert!(doc.get(gone).is_none(), "`{gone}` left at the top level");
    }
    assert_eq!(
        doc["servers"],
        json!([{"url": "https://petstore.example.com/v1"}, {"url": "http://petstore.example.com/v1"}])
    );
    assert_eq!(
        spec.base_url().map(String::from).as_deref(),
        Some("https://petstore.example.com/v1")
    );
    assert_eq!(doc["security"], json!([{"api_key": []}]));

    // definitions → components/schemas, with the refs between them rewritten.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Pet"]["allOf"][0],
        json!({"$ref": "#/components/schemas/NewPet"})
    );
    assert_eq!(
        schemas["NewPet"]["properties"]["tag"],
        json!({"type": ["string", "null"]})
    );

    // A query parameter's type keywords move under `schema`.
    let list = &doc["paths"]["/pets"]["get"];
    assert_eq!(
        list["parameters"],
        json!([{"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32", "maximum": 100}}])
    );
    // The operation's `produces` replaces the document's.
    assert_eq!(
        list["responses"]["200"]["content"],
        json!({"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}})
    );

    // The body parameter becomes the request body, under the global `consumes`.
    let create = &doc["paths"]["/pets"]["post"];
    assert!(create.get("parameters").is_none(), "{create}");
    let body = &create["requestBody"];
    assert_eq!(body["required"], true);
    assert_eq!(body["description"], "The pet to add");
    assert_eq!(
        body["content"],
        json!({"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}})
    );
    // Responses get one entry per global `produces` media type.
    let pet = json!({"schema": {"$ref": "#/components/schemas/Pet"}});
    assert_eq!(
        create["responses"]["201"]["content"],
        json!({"application/json": pet, "application/xml": pet})
    );

    let security = &doc["components"]["securitySchemes"];
    assert_eq!(
        security["api_key"],
        json!({"type": "apiKey", "name": "X-API-Key", "in": "header"})
    );
    assert_eq!(
        security["basic_auth"],
        json!({"type": "http", "scheme": "basic"})
    );
    assert_eq!(
        security["petstore_auth"],
        json!({"type": "oauth2", "flows": {"implicit": {
            "authorizationUrl": "https://petstore.example.com/oauth/authorize",
            "scopes": {"read:pets": "read your pets"}
        }}})
    );
}

#[tokio::test]
async fn swagger2_form_data_with_a_file_becomes_multipart() {
    let spec = load("swagger2-form-upload.yaml").await;
    let op = &spec.document["paths"]["/files"]["post"];
    assert!(op.get("parameters").is_none(), "{op}");
    let body = &op["requestBody"];
    assert_eq!(body["required"], true);
    let content = body["content"].as_object().unwrap();
    assert_eq!(content.keys().collect::<Vec<_>>(), ["multipart/form-data"]);
    let schema = &content["multipart/form-data"]["schema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["file"]));
    let file = &schema["properties"]["file"];
    assert_eq!(
        (&file["type"], &file["format"]),
        (&json!("string"), &json!("binary")),
        "{file}"
    );
    assert_eq!(file["description"], "The file to store");
    assert_eq!(schema["properties"]["comment"], json!({"type": "string"}));
    assert_eq!(
        spec.base_url().map(String::from).as_deref(),
        Some("https://files.example.com/")
    );
}

#[tokio::test]
async fn swagger2_form_data_without_a_file_becomes_urlencoded() {
    let spec = load("swagger2-form-urlencoded.json").await;
    let body = &spec.document["paths"]["/login"]["post"]["requestBody"];
    let content = body["content"].as_object().unwrap();
    assert_eq!(
        content.keys().collect::<Vec<_>>(),
        ["application/x-www-form-urlencoded"]
    );
    let schema = &content["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(schema["properties"]["username"], json!({"type": "string"}));
    assert_eq!(
        schema["properties"]["remember"],
        json!({"type": "boolean", "default": false})
    );
    assert_eq!(schema["required"], json!(["username"]));
    // `basePath` without `host` is a relative server, which a file cannot resolve.
    assert_eq!(spec.document["servers"], json!([{"url": "/api"}]));
    assert_eq!(spec.base_url(), None);
}

// --- Refs ---------------------------------------------------------------------------

#[tokio::test]
async fn refs_of_every_kind_are_inlined() {
    let spec = load("refs-every-kind.json").await;
    let doc = &spec.document;
    assert_eq!(
        doc["components"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["schemas"]
    );

    let pets = &doc["paths"]["/pets"];
    assert!(pets.get("$ref").is_none(), "{pets}");
    let list = &pets["get"];
    assert_eq!(
        list["parameters"][0],
        json!({
            "name": "limit", "in": "query", "description": "How many", "schema": {"type": "integer", "maximum": 50},
            "examples": {"ten": {"summary": "Ten at a time", "value": 10}}
        })
    );
    // A ref into the middle of a schema is hoisted to a component of its own.
    assert_eq!(
        deref(doc, &list["parameters"][1]["schema"]),
        &json!({"type": "string", "minLength": 1})
    );
    assert_eq!(
        list["responses"]["200"],
        json!({"description": "The pets", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}})
    );
    assert_eq!(list["responses"]["404"]["description"], "No such pet");
    assert_eq!(
        deref(
            doc,
            &list["responses"]["404"]["content"]["application/json"]["schema"]
        ),
        &json!({"type": "object", "properties": {"message": {"type": "string"}}})
    );

    let create = &pets["post"];
    assert_eq!(create["requestBody"]["required"], true);
    let media = &create["requestBody"]["content"]["application/json"];
    // A media type's examples are dropped (crate docs), refs and all.
    assert_eq!(
        media,
        &json!({"schema": {"$ref": "#/components/schemas/Pet"}})
    );
    assert_eq!(
        create["responses"]["201"]["headers"]["X-Rate-Limit"],
        json!({"description": "Requests left", "schema": {"type": "integer"}})
    );

    // A path item that refers to another path item gets its operations, and
    // keeps its own `summary`.
    let animals = &doc["paths"]["/animals"];
    assert_eq!(animals["summary"], "Same as /pets");
    assert_eq!(animals["get"], pets["get"]);
    assert_eq!(animals["post"], pets["post"]);
}

#[tokio::test]
async fn path_level_parameters_are_merged_and_the_operations_win() {
    let spec = load("refs-path-params-merge.json").await;
    let item = &spec.document["paths"]["/pets/{id}"];
    assert!(item.get("parameters").is_none(), "{item}");
    let find = |op: &str, name: &str, location: &str| -> Vec<Value> {
        item[op]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == name && p["in"] == location)
            .cloned()
            .collect()
    };

    assert_eq!(
        item["get"]["parameters"].as_array().unwrap().len(),
        4,
        "{}",
        item["get"]
    );
    assert_eq!(
        find("get", "verbose", "query"),
        [
            json!({"name": "verbose", "in": "query", "description": "operation level", "schema": {"type": "integer"}})
        ]
    );
    // Same name, other location: both stay.
    assert_eq!(find("get", "id", "path").len(), 1);
    assert_eq!(find("get", "id", "header").len(), 1);
    // A path-level `$ref` is inlined (and translated) like any other.
    assert_eq!(
        find("get", "X-Trace-Id", "header"),
        [json!({"name": "X-Trace-Id", "in": "header", "schema": {"type": ["string", "null"]}})]
    );

    // An operation without parameters gets the path's.
    let delete = item["delete"]["parameters"].as_array().unwrap();
    assert_eq!(delete.len(), 3, "{}", item["delete"]);
    assert_eq!(
        find("delete", "verbose", "query")[0]["description"],
        "path level"
    );
    assert_eq!(find("delete", "id", "path")[0]["required"], true);
}

#[tokio::test]
async fn recursive_schemas_stay_refs() {
    let spec = load("refs-recursive-schema.json").await;
    let doc = &spec.document;
    let node = &doc["components"]["schemas"]["Node"];
    assert_eq!(
        node["properties"]["children"]["items"],
        json!({"$ref": "#/components/schemas/Node"})
    );
    assert_eq!(
        node["properties"]["parent"],
        json!({"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]})
    );
    assert_eq!(
        doc["paths"]["/tree"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Node"})
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Husband"]["properties"]["wife"],
        json!({"$ref": "#/components/schemas/Wife"})
    );
    assert_eq!(
        schemas["Wife"]["properties"]["husband"],
        json!({"$ref": "#/components/schemas/Husband"})
    );
}

#[test]
fn parameter_ref_cycle_is_an_error() {
    let err = parse_file_within_time(&fixture("refs-cycle.json")).unwrap_err();
    assert!(matches!(err, Error::RefCycle { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("`#/components/parameters/Page`"),
        "{message}"
    );
    assert!(
        message.contains("`#/components/parameters/Offset`"),
        "{message}"
    );
}

#[test]
fn parameter_ref_to_itself_is_an_error() {
    let err = parse_file_within_time(&fixture("refs-self-cycle.json")).unwrap_err();
    assert!(matches!(err, Error::RefCycle { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("`#/components/parameters/Loop` → `#/components/parameters/Loop`"),
        "{err}"
    );
}

#[test]
fn path_item_ref_loop_is_an_error() {
    let err = parse_file_within_time(&fixture("refs-path-item-cycle.json")).unwrap_err();
    assert!(matches!(err, Error::RefCycle { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("`#/paths/~1a`") && message.contains("`#/paths/~1b`"),
        "{message}"
    );
}

// --- External refs ----------------------------------------------------------------

#[tokio::test]
async fn external_refs_are_refused_by_default() {
    let err = load_err("external/root.yaml", &LoadOptions::default()).await;
    assert!(matches!(err, Error::ExternalRef { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("`$ref: common.yaml#/parameters/Limit`"),
        "{message}"
    );
    assert!(
        message.contains("#/paths/~1pets/get/parameters/0"),
        "{message}"
    );
    assert!(message.contains("--allow-external-refs"), "{message}");
}

#[tokio::test]
async fn external_refs_under_the_folder_load_when_allowed() {
    let spec = load_with("external/root.yaml", &allow_external())
        .await
        .unwrap();
    let doc = &spec.document;
    let op = &doc["paths"]["/pets"]["get"];
    // A parameter from another file, translated from 3.0 like a local one.
    assert_eq!(
        op["parameters"],
        json!([{"name": "limit", "in": "query", "schema": {"type": ["integer", "null"]}}])
    );
    // A whole file as a schema, whose own ref is relative to its folder.
    let pet = deref(
        doc,
        &op["responses"]["200"]["content"]["application/json"]["schema"]["items"],
    );
    assert_eq!(pet["required"], json!(["name"]));
    assert_eq!(pet["properties"]["name"], json!({"type": "string"}));
    let owner = deref(doc, &pet["properties"]["owner"]);
    assert_eq!(
        owner,
        &json!({"type": "object", "properties": {"login": {"type": "string", "examples": ["octocat"]}}})
    );
    // A response from another file, whose `#/…` ref stays within that file.
    let problem = &op["responses"]["default"];
    assert_eq!(problem["description"], "Something went wrong");
    assert_eq!(
        deref(doc, &problem["content"]["application/json"]["schema"]),
        &json!({"type": "object", "properties": {"detail": {"type": "string"}}})
    );
}

#[tokio::test]
async fn external_ref_out_of_the_folder_is_refused_even_when_allowed() {
    let err = load_err("external-escape/api/root.yaml", &allow_external()).await;
    assert!(matches!(err, Error::ExternalRefRefused { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("`$ref: ../outside.yaml#/Secret`"),
        "{message}"
    );
    assert!(
        message.contains("outside the document's folder"),
        "{message}"
    );

    let err = load_err("external-escape/api/root.yaml", &LoadOptions::default()).await;
    assert!(matches!(err, Error::ExternalRef { .. }), "{err:?}");
}

#[tokio::test]
async fn external_ref_to_a_url_is_refused_even_when_allowed() {
    let err = load_err("external-escape/api/remote.yaml", &allow_external()).await;
    assert!(matches!(err, Error::ExternalRefRefused { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("`$ref: http://127.0.0.1:9/schemas.yaml#/Remote`"),
        "{message}"
    );
    assert!(
        message.contains("remote references are never fetched"),
        "{message}"
    );
}

/// A document in a temporary folder whose one response schema is `reference`.
fn write_document_with_ref(dir: &Path, file_name: &str, reference: &str) -> std::path::PathBuf {
    let text = format!(
        r#"{{"openapi": "3.1.0", "info": {{"title": "t", "version": "1"}}, "paths": {{"/x": {{"get": {{"responses": {{"200": {{
            "description": "ok", "content": {{"application/json": {{"schema": {{"$ref": {}}}}}}}}}}}}}}}}}}}"#,
        serde_json::to_string(reference).unwrap()
    );
    let path = dir.join(file_name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn external_ref_by_absolute_path_is_refused_even_inside_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("thing.yaml");
    std::fs::write(&target, "type: string\n").unwrap();
    let reference = target.canonicalize().unwrap().display().to_string();

    // The relative spelling of the same file loads, so only the form is refused.
    let relative = write_document_with_ref(dir.path(), "relative.json", "thing.yaml");
    let spec = restmcp_spec::load(&Source::File(relative), &allow_external())
        .await
        .unwrap();
    assert!(violations(&spec.document).is_empty());

    let root = write_document_with_ref(dir.path(), "absolute.json", &reference);
    let err = restmcp_spec::load(&Source::File(root), &allow_external())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ExternalRefRefused { .. }), "{err:?}");
    assert!(
        err.to_string().contains("absolute paths are not followed"),
        "{err}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn external_ref_through_a_symlink_out_of_the_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("outside.yaml"), "type: string\n").unwrap();
    let api = dir.path().join("api");
    std::fs::create_dir(&api).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.yaml"), api.join("inside.yaml")).unwrap();
    let root = write_document_with_ref(&api, "root.json", "inside.yaml");
    let err = restmcp_spec::load(&Source::File(root), &allow_external())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ExternalRefRefused { .. }), "{err:?}");
    assert!(
        err.to_string().contains("outside the document's folder"),
        "{err}"
    );
}

#[test]
fn external_ref_in_a_document_without_a_folder_is_refused() {
    let text = std::fs::read_to_string(fixture("external/root.yaml")).unwrap();
    let err = restmcp_spec::parse_str(&text, Origin::Inline, &allow_external()).unwrap_err();
    assert!(matches!(err, Error::ExternalRefRefused { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("`$ref: common.yaml#/parameters/Limit`"),
        "{err}"
    );
}

// --- Errors ---------------------------------------------------------------------------

#[tokio::test]
async fn invalid_json_names_the_line_and_column() {
    let err = load_err("invalid.json", &LoadOptions::default()).await;
    // Line 4 starts `"paths"` where a `,` was expected after `info`.
    assert!(
        matches!(
            err,
            Error::InvalidJson {
                line: 4,
                column: 3,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("invalid.json"), "{message}");
    assert!(message.contains("line 4, column 3"), "{message}");
}

#[tokio::test]
async fn invalid_yaml_names_the_line_and_column() {
    let err = load_err("invalid.yaml", &LoadOptions::default()).await;
    // Line 3 is `  title: Broken: yes`; the second `:` (column 16) is not
    // allowed in a plain scalar.
    assert!(
        matches!(
            err,
            Error::InvalidYaml {
                line: 3,
                column: 16,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("invalid.yaml"), "{message}");
    assert!(message.contains("line 3, column 16"), "{message}");
}

#[tokio::test]
async fn a_json_schema_is_not_an_openapi_document() {
    let err = load_err("not-openapi.json", &LoadOptions::default()).await;
    assert!(matches!(err, Error::NotOpenApi { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("no `openapi` or `swagger` field"),
        "{message}"
    );
    assert!(
        message.contains("`$schema`, `type`, `properties`"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unsupported_version_is_named() {
    let err = load_err("version-4.json", &LoadOptions::default()).await;
    assert!(matches!(err, Error::UnsupportedVersion { .. }), "{err:?}");
    assert!(err.to_string().contains("`openapi: 4.0.0`"), "{err}");
}

#[tokio::test]
async fn a_dangling_schema_ref_names_the_missing_schema() {
    let err = load_err("dangling-ref.json", &LoadOptions::default()).await;
    assert!(matches!(err, Error::DanglingRef { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("`$ref: #/components/schemas/Missing`"),
        "{message}"
    );
    assert!(
        message.contains("#/paths/~1things/get/responses/200/content/application~1json/schema"),
        "{message}"
    );
}

#[tokio::test]
async fn a_missing_file_names_the_path() {
    let path = fixture("no-such-file.yaml");
    let err = restmcp_spec::load(&Source::File(path.clone()), &LoadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ReadFile { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}
