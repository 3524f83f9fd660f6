//! The template set: every `templates/*.jinja` file embedded in the binary,
//! loaded into one minijinja [`Environment`], with `--templates DIR` files
//! replacing built-ins of the same name.

use std::path::Path;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::error::{Error, Result};

/// Built-in templates: (file name, text).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("macros.jinja", include_str!("../templates/macros.jinja")),
    (
        "client.py.jinja",
        include_str!("../templates/client.py.jinja"),
    ),
    (
        "config.py.jinja",
        include_str!("../templates/config.py.jinja"),
    ),
    (
        "pyproject.toml.jinja",
        include_str!("../templates/pyproject.toml.jinja"),
    ),
    (
        "env.example.jinja",
        include_str!("../templates/env.example.jinja"),
    ),
    (
        "gitignore.jinja",
        include_str!("../templates/gitignore.jinja"),
    ),
    (
        "README.md.jinja",
        include_str!("../templates/README.md.jinja"),
    ),
    ("main.py.jinja", include_str!("../templates/main.py.jinja")),
    (
        "tools.py.jinja",
        include_str!("../templates/tools.py.jinja"),
    ),
    (
        "test_tools.py.jinja",
        include_str!("../templates/test_tools.py.jinja"),
    ),
    (
        "server.py.jinja",
        include_str!("../templates/server.py.jinja"),
    ),
    ("tool.py.jinja", include_str!("../templates/tool.py.jinja")),
    (
        "package_init.py.jinja",
        include_str!("../templates/package_init.py.jinja"),
    ),
    (
        "models.py.jinja",
        include_str!("../templates/models.py.jinja"),
    ),
    (
        "errors.py.jinja",
        include_str!("../templates/errors.py.jinja"),
    ),
    (
        "conftest.py.jinja",
        include_str!("../templates/conftest.py.jinja"),
    ),
    (
        "test_contract.py.jinja",
        include_str!("../templates/test_contract.py.jinja"),
    ),
    (
        "test_client.py.jinja",
        include_str!("../templates/test_client.py.jinja"),
    ),
    (
        "test_config.py.jinja",
        include_str!("../templates/test_config.py.jinja"),
    ),
    (
        "test_workflows.py.jinja",
        include_str!("../templates/test_workflows.py.jinja"),
    ),
    (
        "test_tool.py.jinja",
        include_str!("../templates/test_tool.py.jinja"),
    ),
    (
        "helpers.py.jinja",
        include_str!("../templates/helpers.py.jinja"),
    ),
    (
        "validation.py.jinja",
        include_str!("../templates/validation.py.jinja"),
    ),
    (
        "test_validation.py.jinja",
        include_str!("../templates/test_validation.py.jinja"),
    ),
    (
        "identity.py.jinja",
        include_str!("../templates/identity.py.jinja"),
    ),
    (
        "service_auth.py.jinja",
        include_str!("../templates/service_auth.py.jinja"),
    ),
    (
        "SECURITY_REVIEW.md.jinja",
        include_str!("../templates/SECURITY_REVIEW.md.jinja"),
    ),
    (
        "CLAUDE_DESKTOP_SETUP.md.jinja",
        include_str!("../templates/CLAUDE_DESKTOP_SETUP.md.jinja"),
    ),
    (
        "E2E_SMOKE_TEST.md.jinja",
        include_str!("../templates/E2E_SMOKE_TEST.md.jinja"),
    ),
    (
        "SUCCESS_CRITERIA_VERIFICATION.md.jinja",
        include_str!("../templates/SUCCESS_CRITERIA_VERIFICATION.md.jinja"),
    ),
    (
        "IMPLEMENTATION_SUMMARY.md.jinja",
        include_str!("../templates/IMPLEMENTATION_SUMMARY.md.jinja"),
    ),
];

/// The loaded templates.
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// Loads the built-ins, then any overrides from `dir`.
    ///
    /// # Errors
    /// A file in `dir` that names no built-in template, a read failure, or
    /// a template that does not parse.
    pub fn new(overrides: Option<&Path>) -> Result<Self> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_filter("pystr", |s: String| crate::python::string(&s));
        env.add_filter("tojson", |v: Value| {
            serde_json::to_string(&v).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
            })
        });
        for (name, text) in TEMPLATES {
            env.add_template(name, text)
                .map_err(|source| Error::Render {
                    name: (*name).to_owned(),
                    source,
                })?;
        }
        if let Some(dir) = overrides {
            let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
                path: dir.to_owned(),
                source,
            })?;
            let mut files: Vec<_> = entries.filter_map(std::result::Result::ok).collect();
            files.sort_by_key(std::fs::DirEntry::file_name);
            for entry in files {
                let path = entry.path();
                if !path.is_file() {
                    continue;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                if !TEMPLATES.iter().any(|(known, _)| *known == name) {
                    return Err(Error::UnknownTemplate {
                        name,
                        known: TEMPLATES
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
                let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                env.add_template_owned(name.clone(), text)
                    .map_err(|source| Error::Render { name, source })?;
            }
        }
        Ok(Self { env })
    }

    /// Renders a template given as text (small snippets built from macros).
    ///
    /// # Errors
    /// The template's own errors.
    pub fn render_str(&self, source: &str, context: &Value) -> Result<String> {
        self.env
            .render_str(source, context)
            .map_err(|source| Error::Render {
                name: "<snippet>".to_owned(),
                source,
            })
    }

    /// Renders `name` with `context`.
    ///
    /// # Errors
    /// The template's own errors (an undefined variable, a bad filter).
    pub fn render(&self, name: &str, context: &Value) -> Result<String> {
        let template = self
            .env
            .get_template(name)
            .map_err(|source| Error::Render {
                name: name.to_owned(),
                source,
            })?;
        template.render(context).map_err(|source| Error::Render {
            name: name.to_owned(),
            source,
        })
    }
}
