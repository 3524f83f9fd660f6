//! Assembles a project: picks the structure, builds the template context
//! from the views, renders every file, then the security review from a scan
//! of those files. Pure: text in memory, nothing written.

use std::collections::BTreeMap;

use minijinja::Value;
use restmcp_catalog::{Catalog, ToolDef};
use serde_json::json;

use crate::error::{Error, Result};
use crate::options::{AuthPattern, Options, Structure, StructureChoice, choose_structure};
use crate::render::Renderer;
use crate::view::{self, ToolView};
use crate::{python, security};

/// A generated project: relative path → content, and why it has its shape.
#[derive(Debug, Clone)]
pub struct Project {
    /// The files, sorted by path.
    pub files: BTreeMap<String, String>,
    /// The structure and the reason for it.
    pub choice: StructureChoice,
    /// The options as recorded in the manifest (for `add-tool`).
    pub recorded: BTreeMap<String, String>,
}

/// The error types of the taxonomy, in the gateway's order.
pub const ERROR_TYPES: [(&str, &str); 11] = [
    (
        "validation_error",
        "invalid arguments, or the backend's 400/422",
    ),
    (
        "authentication_error",
        "401, or no caller identity where one is required",
    ),
    ("authorization_error", "403"),
    ("not_found_error", "404/410"),
    ("conflict_error", "409/412"),
    ("rate_limit_error", "429"),
    ("client_error", "other 4xx"),
    (
        "backend_error",
        "5xx, or a body that claims JSON but is not",
    ),
    ("timeout_error", "no complete answer in time"),
    ("connection_error", "the backend cannot be reached"),
    (
        "response_too_large_error",
        "the answer is larger than the configured limit",
    ),
];

/// The `TODO_API_MCP_` environment prefix of a project name.
#[must_use]
pub fn env_prefix(name: &str) -> String {
    format!("{}_", python::identifier(name).to_ascii_uppercase())
}

/// Renders the whole project for `catalog`.
///
/// # Errors
/// No tools, or a template error.
pub fn generate(catalog: &Catalog, options: &Options) -> Result<Project> {
    if catalog.tools.is_empty() {
        return Err(Error::NoTools);
    }
    let choice = choose_structure(options, catalog.tools.len());
    let renderer = Renderer::new(options.templates.as_deref())?;
    let tools = view::tools(&catalog.tools, options.auth, &options.user_header);
    // Converted once: every file's context is this plus a key or two,
    // merged lazily (a clone per file would be quadratic in the tools).
    let base = Value::from_serialize(base_context(
        options,
        choice.structure,
        &tools,
        &catalog.tools,
    ));
    let mut files = BTreeMap::new();
    let r = |name: &str, ctx: &Value| renderer.render(name, ctx);
    let common: &[(&str, &str)] = &[
        ("pyproject.toml", "pyproject.toml.jinja"),
        ("README.md", "README.md.jinja"),
        (".env.example", "env.example.jinja"),
        (".gitignore", "gitignore.jinja"),
        ("CLAUDE_DESKTOP_SETUP.md", "CLAUDE_DESKTOP_SETUP.md.jinja"),
        ("E2E_SMOKE_TEST.md", "E2E_SMOKE_TEST.md.jinja"),
        (
            "SUCCESS_CRITERIA_VERIFICATION.md",
            "SUCCESS_CRITERIA_VERIFICATION.md.jinja",
        ),
        (
            "IMPLEMENTATION_SUMMARY.md",
            "IMPLEMENTATION_SUMMARY.md.jinja",
        ),
    ];
    for (path, template) in common {
        files.insert((*path).to_owned(), r(template, &base)?);
    }
    match choice.structure {
        Structure::Simple => {
            for (path, template) in [
                ("main.py", "main.py.jinja"),
                ("tools.py", "tools.py.jinja"),
                ("client.py", "client.py.jinja"),
                ("config.py", "config.py.jinja"),
                ("validation.py", "validation.py.jinja"),
                ("tests/__init__.py", "package_init.py.jinja"),
                ("tests/test_tools.py", "test_tools.py.jinja"),
                ("tests/test_validation.py", "test_validation.py.jinja"),
            ] {
                files.insert(
                    path.to_owned(),
                    r(template, &with(&base, "module", Value::from(path)))?,
                );
            }
            if options.auth.injects_caller() {
                files.insert("identity.py".to_owned(), r("identity.py.jinja", &base)?);
            }
        }
        Structure::Modular => {
            for (path, template) in [
                ("src/__init__.py", "package_init.py.jinja"),
                ("src/server.py", "server.py.jinja"),
                ("src/client.py", "client.py.jinja"),
                ("src/config.py", "config.py.jinja"),
                ("src/validation.py", "validation.py.jinja"),
                ("src/tools/__init__.py", "package_init.py.jinja"),
                ("src/schemas/__init__.py", "package_init.py.jinja"),
                ("src/schemas/errors.py", "errors.py.jinja"),
                ("src/schemas/models.py", "models.py.jinja"),
                ("tests/__init__.py", "package_init.py.jinja"),
                ("tests/conftest.py", "conftest.py.jinja"),
                ("tests/contract/__init__.py", "package_init.py.jinja"),
                ("tests/contract/test_contract.py", "test_contract.py.jinja"),
                ("tests/unit/__init__.py", "package_init.py.jinja"),
                ("tests/unit/test_client.py", "test_client.py.jinja"),
                ("tests/unit/test_config.py", "test_config.py.jinja"),
                ("tests/unit/test_validation.py", "test_validation.py.jinja"),
                ("tests/integration/__init__.py", "package_init.py.jinja"),
                (
                    "tests/integration/test_workflows.py",
                    "test_workflows.py.jinja",
                ),
                ("tests/helpers.py", "helpers.py.jinja"),
            ] {
                files.insert(
                    path.to_owned(),
                    r(template, &with(&base, "module", Value::from(path)))?,
                );
            }
            if options.auth.injects_caller() {
                files.insert("src/identity.py".to_owned(), r("identity.py.jinja", &base)?);
            }
            for tool in &tools {
                let (path, text) = render_tool_file(&renderer, &base, tool)?;
                files.insert(path, text);
                let (path, text) = render_tool_test(&renderer, &base, tool)?;
                files.insert(path, text);
            }
        }
    }
    if options.auth == AuthPattern::Service {
        files.insert(
            "backend_patch/service_auth.py".to_owned(),
            r("service_auth.py.jinja", &base)?,
        );
    }
    let checks = security::checks(&files, choice.structure, options.auth);
    let review = r(
        "SECURITY_REVIEW.md.jinja",
        &with(&base, "checks", Value::from_serialize(&checks)),
    )?;
    files.insert("SECURITY_REVIEW.md".to_owned(), review);
    let recorded = recorded_options(options, choice.structure);
    Ok(Project {
        files,
        choice,
        recorded,
    })
}

/// `src/tools/<func>.py` for one tool.
///
/// # Errors
/// A template error.
pub fn render_tool_file(
    renderer: &Renderer,
    base: &Value,
    tool: &ToolView,
) -> Result<(String, String)> {
    let ctx = with(base, "tool", Value::from_serialize(tool));
    let text = renderer.render("tool.py.jinja", &ctx)?;
    Ok((format!("src/tools/{}.py", tool.func), text))
}

/// `tests/integration/test_<func>.py` for one tool.
///
/// # Errors
/// A template error.
pub fn render_tool_test(
    renderer: &Renderer,
    base: &Value,
    tool: &ToolView,
) -> Result<(String, String)> {
    let ctx = with(base, "tool", Value::from_serialize(tool));
    let text = renderer.render("test_tool.py.jinja", &ctx)?;
    Ok((format!("tests/integration/test_{}.py", tool.func), text))
}

/// The backend patch of pattern 4 alone (`restmcp backend-patch`).
///
/// # Errors
/// A template error.
pub fn backend_patch(catalog: &Catalog, options: &Options) -> Result<String> {
    let renderer = Renderer::new(options.templates.as_deref())?;
    let mut options = options.clone();
    options.auth = AuthPattern::Service;
    let tools = view::tools(&catalog.tools, options.auth, &options.user_header);
    let base = base_context(&options, Structure::Modular, &tools, &catalog.tools);
    renderer.render("service_auth.py.jinja", &Value::from_serialize(&base))
}

/// `base` with `key` set to `value` (a lazy merge: `base` is not copied).
fn with(base: &Value, key: &str, value: Value) -> Value {
    minijinja::value::merge_maps([base.clone(), Value::from_iter([(key, value)])])
}

/// The options a project records, so `add-tool` can render alike.
#[must_use]
pub fn recorded_options(options: &Options, structure: Structure) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("name".to_owned(), options.name.clone());
    out.insert("api_title".to_owned(), options.api_title.clone());
    out.insert("base_url".to_owned(), options.base_url.clone());
    out.insert("auth".to_owned(), options.auth.as_str().to_owned());
    out.insert(
        "transport".to_owned(),
        options.transport.as_str().to_owned(),
    );
    out.insert("structure".to_owned(), structure.as_str().to_owned());
    out.insert("user_header".to_owned(), options.user_header.clone());
    out.insert("source".to_owned(), options.source_label.clone());
    out
}

/// The tools' function names in the order ruff's isort sorts their imports.
#[must_use]
pub fn import_order(tools: &[ToolView]) -> Vec<String> {
    let mut funcs: Vec<String> = tools.iter().map(|t| t.func.clone()).collect();
    funcs.sort_by(|a, b| python::natural_cmp(a, b));
    funcs
}

/// The context every template gets.
#[must_use]
pub fn base_context(
    options: &Options,
    structure: Structure,
    tools: &[ToolView],
    defs: &[ToolDef],
) -> serde_json::Value {
    let (models, model_aliases) = if structure == Structure::Modular {
        view::models(defs)
    } else {
        (Vec::new(), Vec::new())
    };
    let models_use = |word: &str| {
        models
            .iter()
            .flat_map(|m| &m.fields)
            .any(|f| python::mentions(&f.annotation, word))
            || model_aliases
                .iter()
                .any(|a| python::mentions(&a.expr, word))
    };
    // `__all__` in the order ruff's RUF022 wants (all class names: CamelCase).
    let mut models_all: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    models_all.sort_by(|a, b| python::natural_cmp_cased(a, b));
    let identity_endpoints: Vec<&ToolView> =
        tools.iter().filter(|t| t.identity.is_some()).collect();
    let patch_endpoints: Vec<serde_json::Value> = if identity_endpoints.is_empty() {
        tools
            .iter()
            .map(|t| json!({"method": t.method, "path": t.path, "tool": t.name, "param": null}))
            .collect()
    } else {
        identity_endpoints
            .iter()
            .map(|t| json!({"method": t.method, "path": t.path, "tool": t.name, "param": t.identity.as_ref().map(|i| &i.name)}))
            .collect()
    };
    let expected_args: serde_json::Map<String, serde_json::Value> = tools
        .iter()
        .map(|t| (t.name.clone(), json!(t.arg_names)))
        .collect();
    let expected_required: serde_json::Map<String, serde_json::Value> = tools
        .iter()
        .map(|t| (t.name.clone(), json!(t.required)))
        .collect();
    let examples: serde_json::Map<String, serde_json::Value> = tools
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                serde_json::from_str(&t.example_json).unwrap_or_default(),
            )
        })
        .collect();
    json!({
        "expected_args": python::literal(&serde_json::Value::Object(expected_args), 0),
        "expected_required": python::literal(&serde_json::Value::Object(expected_required), 0),
        "examples": python::literal(&serde_json::Value::Object(examples), 0),
        "tools_use_any": tools.iter().any(|t| t.uses_any),
        "tools_have_aliases": tools.iter().any(|t| !t.aliases.is_empty()),
        "tools_have_params": tools.iter().any(|t| !t.params.is_empty()),
        "tools_bind_params": tools.iter().any(|t| !t.bindings.is_empty() || t.identity.is_some()),
        "models_use_any": models_use("Any"),
        "models_use_enum": models.iter().any(|m| m.kind == "enum"),
        "models_all": models_all,
        "models_use_literal": !model_aliases.is_empty() || models_use("Literal["),
        "name": options.name,
        "module": "",
        "package": python::identifier(&options.name),
        "env_prefix": env_prefix(&options.name),
        "api_title": if options.api_title.is_empty() { options.name.clone() } else { options.api_title.clone() },
        "base_url": options.base_url,
        "source": options.source_label,
        "auth": options.auth.as_str(),
        "injects_caller": options.auth.injects_caller(),
        "transport": options.transport.as_str(),
        "user_header": options.user_header,
        "structure": structure.as_str(),
        "pkg": if structure == Structure::Modular { "src." } else { "" },
        "tools": tools,
        "import_order": import_order(tools),
        "tool_count": tools.len(),
        "models": models,
        "model_aliases": model_aliases,
        "error_types": ERROR_TYPES.iter().map(|(t, w)| json!({"name": t, "when": w})).collect::<Vec<_>>(),
        "patch_endpoints": patch_endpoints,
        "generator": format!("restmcp {}", env!("CARGO_PKG_VERSION")),
        "checks": [],
        "tool": null,
    })
}
