//! End-to-end tests of `restmcp_catalog::build`: snapshots of the MCP
//! `tools` array (and of the bindings and warnings) for each fixture in
//! `fixtures/openapi/catalog/`, options and errors, and the invariants over
//! FastAPI's own test apps in the shared corpus.

mod support;

use std::path::{Path, PathBuf};

use restmcp_catalog::{
    Catalog, CatalogOptions, Error, Filter, HttpMethod, ParamLocation, WarningKind,
};
use serde_json::{Value, json};
use support::{bindings_view, check_catalog_invariants};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/openapi/catalog")
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

fn fixture(name: &str) -> Value {
    load(&fixtures_dir().join(format!("{name}.json")))
}

fn catalog_of(name: &str) -> Catalog {
    let catalog = restmcp_catalog::build(&fixture(name), &CatalogOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let violations = check_catalog_invariants(name, &catalog);
    assert!(violations.is_empty(), "{name}:\n{}", violations.join("\n"));
    catalog
}

/// One test per fixture: the MCP `tools` array, then the bindings view.
macro_rules! snapshot_fixtures {
    ($($test:ident => $file:literal,)*) => {$(
        #[test]
        fn $test() {
            let catalog = catalog_of($file);
            insta::assert_json_snapshot!($file, catalog.to_mcp_json());
            insta::assert_json_snapshot!(concat!($file, "-bindings"), bindings_view(&catalog));
        }
    )*};
}

snapshot_fixtures! {
    fastapi_names => "fastapi-names",
    collisions => "collisions",
    forms_and_multipart => "forms",
    recursive_models => "recursive",
    non_object_bodies => "non-object-body",
    wrapped_output => "wrapped-output",
    no_content => "no-content",
    deprecated => "deprecated",
    no_operation_ids => "no-operation-ids",
    long_names => "long-names",
    raw_bodies => "raw-bodies",
    warnings => "warnings",
}

#[test]
fn every_fixture_is_snapshotted() {
    let mut files: Vec<String> = std::fs::read_dir(fixtures_dir())
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for file in files {
        let stem = file.trim_end_matches(".json");
        let snap = snapshots.join(format!("catalog__{stem}.snap"));
        assert!(snap.exists(), "fixture `{file}` has no snapshot test");
    }
}

#[test]
fn the_input_schema_validates_real_arguments() {
    let catalog = catalog_of("collisions");
    let tool = catalog
        .get("update_user")
        .unwrap_or_else(|| panic!("update_user"));
    let validator = jsonschema::draft202012::new(&Value::Object(tool.input_schema.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        validator.is_valid(
            &json!({"name__path": "ada", "name__body": "Ada", "X-User-ID__header": "u1"})
        )
    );
    assert!(
        !validator.is_valid(&json!({"name__path": "ada", "X-User-ID__header": "u1"})),
        "body name is required"
    );
    assert!(
        !validator.is_valid(&json!({"name__body": "Ada", "X-User-ID__header": "u1"})),
        "path name is required"
    );

    let catalog = catalog_of("recursive");
    let tool = catalog
        .get("create_tree")
        .unwrap_or_else(|| panic!("create_tree"));
    let validator = jsonschema::draft202012::new(&Value::Object(tool.input_schema.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        validator
            .is_valid(&json!({"name": "root", "children": [{"name": "leaf", "children": []}]}))
    );
    assert!(!validator.is_valid(&json!({"name": "root", "children": [{"children": []}]})));
}

#[test]
fn filters_count_what_they_leave_out() {
    let document = fixture("fastapi-names");
    let all = restmcp_catalog::build(&document, &CatalogOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let options = CatalogOptions::default().with_filter(Filter {
        methods: vec![HttpMethod::Get],
        exclude_names: vec!["list_users_*".into()],
        ..Filter::default()
    });
    let some = restmcp_catalog::build(&document, &options).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = some.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "list_tasks",
            "get_task",
            "read_items",
            "export",
            "fetchCustomThing"
        ]
    );
    assert_eq!(some.filtered, all.tools.len() - names.len());
    // Filtering never renames: the kept tools have the names they had.
    for tool in &some.tools {
        assert!(all.get(tool.name.as_str()).is_some());
    }

    let bad = CatalogOptions::default().with_filter(Filter {
        include_names: vec!["{unclosed".into()],
        ..Filter::default()
    });
    assert!(matches!(
        restmcp_catalog::build(&document, &bad),
        Err(Error::InvalidGlob { .. })
    ));
}

#[test]
fn overrides_win_and_are_checked() {
    let document = fixture("fastapi-names");
    let options = CatalogOptions::default()
        .with_override("list_tasks_tasks_get", "tasks")
        .with_override("post /tasks", "new_task")
        .with_override("nothing_has_this_id", "ghost");
    let catalog = restmcp_catalog::build(&document, &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(catalog.get("tasks").is_some());
    assert_eq!(
        catalog.get("new_task").map(|t| t.binding.path.as_str()),
        Some("/tasks")
    );
    assert!(
        catalog
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::Note && w.message.contains("`nothing_has_this_id`"))
    );

    let invalid = CatalogOptions::default().with_override("list_tasks_tasks_get", "list tasks");
    assert!(matches!(
        restmcp_catalog::build(&document, &invalid),
        Err(Error::InvalidOverride { .. })
    ));
    let twice = CatalogOptions::default()
        .with_override("list_tasks_tasks_get", "same")
        .with_override("GET /items/", "same");
    match restmcp_catalog::build(&document, &twice) {
        Err(Error::DuplicateOverride {
            name,
            first,
            second,
        }) => {
            assert_eq!(
                (name.as_str(), first.as_str(), second.as_str()),
                ("same", "GET /tasks", "GET /items/")
            );
        }
        other => panic!("expected DuplicateOverride, got {other:?}"),
    }
}

#[test]
fn document_level_failures_are_errors() {
    let options = CatalogOptions::default();
    assert!(matches!(
        restmcp_catalog::build(&json!([]), &options),
        Err(Error::NotAnObject { .. })
    ));
    assert!(matches!(
        restmcp_catalog::build(&json!({"openapi": "3.1.0"}), &options),
        Err(Error::MissingPaths)
    ));
    assert!(matches!(
        restmcp_catalog::build(&json!({"paths": []}), &options),
        Err(Error::InvalidPaths { .. })
    ));
    let empty =
        restmcp_catalog::build(&json!({"paths": {}}), &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(empty.tools.is_empty() && empty.warnings.is_empty());
}

#[test]
fn multipart_file_parts_are_bound_as_files() {
    let catalog = catalog_of("forms");
    let tool = catalog.get("upload").unwrap_or_else(|| panic!("upload"));
    let files: Vec<(&str, Option<&str>)> = tool
        .binding
        .args
        .iter()
        .filter(|a| a.location == ParamLocation::MultipartField { file: true })
        .map(|a| (a.arg.as_str(), a.content_type.as_deref()))
        .collect();
    assert_eq!(
        files,
        [
            ("file", Some("application/octet-stream")),
            ("attachments", Some("application/octet-stream")),
            ("avatar", Some("image/png"))
        ]
    );
}

fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(name)
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// FastAPI's own test apps (already OpenAPI 3.1, the normalized shape): all
/// invariants hold, and the catalog is deterministic.
#[test]
fn fastapi_corpus_invariants() {
    let dir = corpus_dir("fastapi_tests");
    let files = json_files(&dir);
    if files.is_empty() {
        eprintln!(
            "skipping: no corpus at {} (is ../shared beside the repo?)",
            dir.display()
        );
        return;
    }
    let (mut tools, mut skipped, mut degraded, mut notes, mut wrapped, mut outputs) =
        (0, 0, 0, 0, 0, 0);
    let mut violations = Vec::new();
    for path in &files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let document = load(path);
        let catalog = match restmcp_catalog::build(&document, &CatalogOptions::default()) {
            Ok(catalog) => catalog,
            Err(error) => {
                violations.push(format!("{name}: {error}"));
                continue;
            }
        };
        violations.extend(check_catalog_invariants(name, &catalog));
        let again = restmcp_catalog::build(&document, &CatalogOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        if again.to_mcp_json() != catalog.to_mcp_json() || again.warnings != catalog.warnings {
            violations.push(format!("{name}: two builds differ"));
        }
        tools += catalog.tools.len();
        wrapped += catalog.tools.iter().filter(|t| t.output_wrapped).count();
        outputs += catalog
            .tools
            .iter()
            .filter(|t| t.output_schema.is_some())
            .count();
        for warning in &catalog.warnings {
            match warning.kind {
                WarningKind::Skipped => skipped += 1,
                WarningKind::Degraded => degraded += 1,
                WarningKind::Note => notes += 1,
            }
            eprintln!("{name}: {} {warning}", warning.kind.as_str());
        }
    }
    println!(
        "fastapi corpus: {} documents, {tools} tools ({outputs} with output schemas, {wrapped} wrapped), warnings: {skipped} skipped, {degraded} degraded, {notes} notes; {} violations",
        files.len(),
        violations.len()
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

fn corpus_documents(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            corpus_documents(&path, out);
        } else {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let is_doc =
                name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml");
            if is_doc && name != "_index.json" {
                out.push(path);
            }
        }
    }
}

/// The whole shared corpus through the real pipeline (`restmcp-spec` load
/// and normalize, then `build`): every document loads or fails with a
/// message, nothing panics, and every catalog satisfies the invariants
/// (names, uniqueness, schemas compiling as 2020-12, no `#/components`).
/// Files that are not OpenAPI documents (fragments of multi-file examples)
/// are counted apart.
#[test]
fn corpus_pipeline() {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    let root = corpus_dir("");
    let mut paths = Vec::new();
    corpus_documents(&root, &mut paths);
    assert!(
        !paths.is_empty(),
        "no corpus at {}: the tests need ../shared beside the repository",
        root.display()
    );
    paths.sort();
    let load = restmcp_spec::LoadOptions::default();
    let (mut loaded, mut fragments, mut tools, mut warnings) = (0, 0, 0, 0);
    let (mut errors, mut broken) = (Vec::new(), Vec::new());
    for path in &paths {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let Ok(text) = std::fs::read_to_string(path) else {
            broken.push(format!("{rel}: unreadable"));
            continue;
        };
        let origin = restmcp_spec::Origin::File(path.clone());
        let spec = match catch_unwind(AssertUnwindSafe(|| {
            restmcp_spec::parse_str(&text, origin, &load)
        })) {
            Err(_) => {
                broken.push(format!("{rel}: restmcp-spec panicked"));
                continue;
            }
            Ok(Err(restmcp_spec::Error::NotOpenApi { .. })) => {
                fragments += 1;
                continue;
            }
            Ok(Err(error)) => {
                let message = error.to_string();
                if message.trim().is_empty() {
                    broken.push(format!("{rel}: empty error message"));
                }
                errors.push(format!("{rel}: {}", message.lines().next().unwrap_or("")));
                continue;
            }
            Ok(Ok(spec)) => spec,
        };
        loaded += 1;
        match catch_unwind(AssertUnwindSafe(|| {
            restmcp_catalog::build(&spec.document, &CatalogOptions::default())
        })) {
            Err(_) => broken.push(format!("{rel}: restmcp-catalog panicked")),
            Ok(Err(error)) => errors.push(format!("{rel}: {error}")),
            Ok(Ok(catalog)) => {
                tools += catalog.tools.len();
                warnings += catalog.warnings.len();
                broken.extend(check_catalog_invariants(&rel, &catalog));
            }
        }
    }
    println!(
        "corpus: {} documents ({loaded} loaded, {fragments} fragments), {tools} tools, {warnings} warnings, {} errors",
        paths.len(),
        errors.len()
    );
    for error in &errors {
        println!("  error: {error}");
    }
    assert!(
        broken.is_empty(),
        "{} problems:\n{}",
        broken.len(),
        broken.join("\n")
    );
}
