//! End-to-end tests of the `restmcp` binary: real processes, the real example
//! app imported by a real Python, real files and sockets.
//!
//! Needs the venv made by `scripts/bootstrap` (or `RESTMCP_TEST_PYTHON`
//! pointing at a Python with fastapi); a missing one fails loudly rather than
//! skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("RESTMCP_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = repo_root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "no Python for the example app: run `scripts/bootstrap` or set RESTMCP_TEST_PYTHON"
    );
    venv
}

fn restmcp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_restmcp"))
        .args(args)
        .current_dir(repo_root())
        .env_remove("VIRTUAL_ENV")
        .output()
        .expect("failed to spawn the restmcp binary")
}

fn example(extra: &[&str]) -> Output {
    let python = python();
    let python = python.to_str().expect("python path is UTF-8");
    let mut args = vec![
        "tools",
        "--app",
        "todo_app.main:app",
        "--app-dir",
        "examples/todo",
        "--python",
        python,
    ];
    args.extend_from_slice(extra);
    restmcp(&args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "restmcp failed ({}):\n{}",
        output.status,
        stderr(output)
    );
}

/// The error path: non-zero exit, an `error:` paragraph that mentions every
/// `needle`, and never a panic.
fn assert_clean_failure(output: &Output, needles: &[&str]) -> String {
    let err = stderr(output);
    assert!(
        !output.status.success(),
        "expected failure, got success; stdout:\n{}",
        stdout(output)
    );
    assert_eq!(output.status.code(), Some(1), "exit code; stderr:\n{err}");
    assert!(!err.contains("panicked"), "panic:\n{err}");
    assert!(err.starts_with("error: "), "no `error:` line:\n{err}");
    assert!(output.stdout.is_empty(), "stdout not empty on failure");
    for needle in needles {
        assert!(
            err.to_lowercase().contains(&needle.to_lowercase()),
            "stderr lacks `{needle}`:\n{err}"
        );
    }
    err
}

fn example_tools_json() -> Vec<Value> {
    let output = example(&["--json"]);
    assert_success(&output);
    let tools: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    tools.as_array().expect("--json prints an array").clone()
}

#[test]
fn example_fastapi_names_become_function_names() {
    let tools = example_tools_json();
    let names: Vec<&str> = tools
        .iter()
        .map(|t| t["name"].as_str().expect("name is a string"))
        .collect();
    for expected in [
        "list_tasks",
        "create_task",
        "get_task",
        "update_task",
        "patch_task",
        "delete_task",
        "complete_task",
        "add_subtask",
        "search_tasks",
        "import_tasks_form",
        "upload_attachment",
    ] {
        assert!(
            names.contains(&expected),
            "`{expected}` missing from {names:?}"
        );
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "duplicate names in {names:?}");
    for name in &names {
        assert!(
            !name.is_empty()
                && name.len() <= 64
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "bad tool name `{name}`"
        );
    }
}

#[test]
fn example_tools_json_matches_snapshot() {
    let tools = example_tools_json();
    insta::assert_json_snapshot!("example_tools", tools);
}

#[test]
fn example_tool_shapes() {
    let tools = example_tools_json();
    let tool = |name: &str| {
        tools
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no tool `{name}`"))
            .clone()
    };

    let create = tool("create_task");
    assert_eq!(create["inputSchema"]["type"], "object");
    assert!(create["inputSchema"]["properties"]["title"].is_object());
    assert_eq!(create["annotations"]["readOnlyHint"], false);
    assert!(
        create["outputSchema"]["properties"]["id"].is_object(),
        "{create:#}"
    );

    let list = tool("list_tasks");
    assert_eq!(list["annotations"]["readOnlyHint"], true);
    // A list response is not an object, so it is wrapped as {"result": [...]}.
    assert_eq!(
        list["outputSchema"]["properties"]["result"]["type"],
        "array"
    );

    let delete = tool("delete_task");
    assert_eq!(delete["annotations"]["destructiveHint"], true);
    assert_eq!(delete["annotations"]["idempotentHint"], true);
    assert!(
        delete.get("outputSchema").is_none(),
        "204 has no output schema"
    );

    let upload = tool("upload_attachment");
    let file = upload["inputSchema"]["properties"]
        .as_object()
        .expect("properties")
        .values()
        .find(|p| p.get("contentEncoding").is_some())
        .expect("a base64 file argument");
    assert_eq!(file["contentEncoding"], "base64");

    // Nothing points back into the OpenAPI document.
    let text = serde_json::to_string(&tools).expect("serializes");
    assert!(
        !text.contains("#/components"),
        "a `#/components` ref leaked"
    );
}

#[test]
fn example_table_lists_every_tool() {
    let table = example(&[]);
    assert_success(&table);
    let text = stdout(&table);
    let tools = example_tools_json();
    assert!(text.starts_with("NAME"), "{text}");
    for tool in &tools {
        let name = tool["name"].as_str().expect("name");
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("{name} "))),
            "table lacks a row for `{name}`:\n{text}"
        );
    }
    assert!(
        text.lines().any(|l| l.starts_with("create_task ")
            && l.contains(" POST ")
            && l.contains(" /tasks ")),
        "{text}"
    );
    assert!(text.contains(&format!("{} tools", tools.len())), "{text}");
}

#[test]
fn example_stats_count_tools() {
    let stats = example(&["--stats"]);
    assert_success(&stats);
    let text = stdout(&stats);
    let count = example_tools_json().len();
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["tools:", &count.to_string()]),
        "{text}"
    );
    assert!(text.contains("longest names:"), "{text}");
    assert!(text.contains("tools/list JSON:"), "{text}");
}

#[test]
fn method_and_name_filters_apply() {
    let output = example(&["--json", "--method", "get"]);
    assert_success(&output);
    let tools: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(!tools.is_empty());
    assert!(
        tools
            .iter()
            .all(|t| t["annotations"]["readOnlyHint"] == true),
        "{tools:#?}"
    );

    let output = example(&["--json", "--include-name", "*subtask*"]);
    assert_success(&output);
    let tools: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    let names: Vec<&str> = tools
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["add_subtask"]);
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path.to_str().expect("UTF-8 path").to_owned()
}

#[test]
fn invalid_json_reports_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "broken.json",
        "{\n  \"openapi\": \"3.1.0\",\n  \"info\": }\n",
    );
    let output = restmcp(&["tools", &path]);
    assert_clean_failure(&output, &["broken.json", "line 3", "column"]);
}

#[test]
fn invalid_yaml_reports_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "broken.yaml",
        "openapi: 3.1.0\ninfo:\n  title: [unclosed\npaths: {}\n",
    );
    let output = restmcp(&["tools", &path]);
    assert_clean_failure(&output, &["broken.yaml", "line", "column"]);
}

#[test]
fn non_openapi_document_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "package.json",
        "{\"name\": \"left-pad\", \"version\": \"1.0.0\"}",
    );
    let output = restmcp(&["tools", &path]);
    assert_clean_failure(
        &output,
        &[
            "package.json",
            "as an OpenAPI document",
            "no `openapi` or `swagger` field",
        ],
    );
}

#[test]
fn unsupported_version_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "v4.yaml",
        "openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
    );
    let output = restmcp(&["tools", &path]);
    assert_clean_failure(&output, &["4.0.0"]);
}

#[test]
fn dangling_ref_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = r##"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
      "paths": {"/x": {"get": {"operationId": "getX", "responses": {"200": {"description": "ok",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}}}}"##;
    let path = write(dir.path(), "dangling.json", doc);
    let output = restmcp(&["tools", &path]);
    assert_clean_failure(&output, &["#/components/schemas/Missing"]);
}

#[test]
fn missing_file_is_named() {
    let output = restmcp(&["tools", "does/not/exist.yaml"]);
    assert_clean_failure(&output, &["does/not/exist.yaml"]);
}

#[test]
fn unreachable_url_is_named() {
    // Bind, learn the port, close: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind")
        .port();
    let url = format!("http://127.0.0.1:{port}/openapi.json");
    let output = restmcp(&["tools", &url, "--load-timeout", "5"]);
    assert_clean_failure(&output, &[&url]);
}

#[test]
fn failing_app_import_shows_python_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "broken_app.py",
        "import json\nraise RuntimeError('boom while importing the app')\n",
    );
    let python = python();
    let output = restmcp(&[
        "tools",
        "--app",
        "broken_app:app",
        "--app-dir",
        dir.path().to_str().expect("UTF-8"),
        "--python",
        python.to_str().expect("UTF-8"),
    ]);
    assert_clean_failure(
        &output,
        &["broken_app", "RuntimeError: boom while importing the app"],
    );
}

#[test]
fn malformed_app_reference_is_explained() {
    let output = restmcp(&["tools", "--app", "todo_app.main"]);
    assert_clean_failure(&output, &["package.module:attribute"]);
}

#[test]
fn token_is_32_random_bytes_in_url_safe_base64() {
    let first = restmcp(&["token"]);
    let second = restmcp(&["token"]);
    assert_success(&first);
    assert_success(&second);
    let (a, b) = (stdout(&first), stdout(&second));
    let (a, b) = (a.trim_end(), b.trim_end());
    for token in [a, b] {
        assert_eq!(token.len(), 43, "{token}");
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "not URL-safe base64: {token}"
        );
    }
    assert_ne!(a, b, "two tokens are the same");
}

// --- restmcp.toml ----------------------------------------------------------

fn config_file(dir: &Path, body: &str) -> String {
    let spec = repo_root().join("fixtures/openapi/spec/oas30-example.json");
    let text = format!(
        "source = \"{}\"\nbase-url = \"http://127.0.0.1:9\"\n{body}",
        spec.display()
    );
    write(dir, "restmcp.toml", &text)
}

#[test]
fn config_file_options_apply_and_the_command_line_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_file(dir.path(), "timeout = -1\nstateless = false\n");
    let from_file = restmcp(&["serve", "--config", &config]);
    assert_clean_failure(&from_file, &["Invalid --timeout `-1`"]);
    // stdin is closed, so a stdio server that starts exits at once, cleanly.
    let overridden = restmcp(&["serve", "--config", &config, "--timeout", "5"]);
    assert_success(&overridden);
}

#[test]
fn config_file_unknown_key_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_file(dir.path(), "service_auth_token = \"x\"\n");
    let output = restmcp(&["serve", "--config", &config]);
    let err = assert_clean_failure(&output, &["service_auth_token", "env:NAME"]);
    assert!(!err.contains("= \"x\""), "{err}");
}

#[test]
fn config_file_that_is_not_toml_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write(dir.path(), "restmcp.toml", "port = = 3\n");
    let output = restmcp(&["serve", "--config", &config]);
    assert_clean_failure(&output, &["as TOML", "restmcp.toml"]);
}
