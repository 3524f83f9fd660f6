//! `add-tool` (seed v2.2): one more tool in an existing modular project —
//! its `src/tools/<tool>.py`, its integration test, and two lines in
//! `src/server.py` inserted at restmcp's markers. Nothing else is touched,
//! so edits elsewhere stay byte-identical.

use std::path::Path;

use minijinja::Value;
use restmcp_catalog::Catalog;
use serde_json::json;

use crate::error::{Error, Result};
use crate::manifest::{self, Manifest};
use crate::options::{AuthPattern, Options, Structure, Transport};
use crate::project::{base_context, render_tool_file, render_tool_test};
use crate::render::Renderer;
use crate::{python, view};

/// Marker lines in `src/server.py`; new lines go right above them.
pub const IMPORTS_MARKER: &str = "# restmcp: add-tool inserts tool imports above this line";
/// See [`IMPORTS_MARKER`].
pub const REGISTRATIONS_MARKER: &str =
    "# restmcp: add-tool inserts tool registrations above this line";

/// What `add_tool` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddToolReport {
    /// The tool's MCP name.
    pub tool: String,
    /// Files created.
    pub created: Vec<String>,
    /// The file edited (the server's registrations).
    pub edited: String,
}

/// Adds the tool for `operation` (an operationId or a tool name) to the
/// modular project at `dir`.
///
/// # Errors
/// Not a modular restmcp project, an unknown operation, a tool already
/// there, a missing marker, or an I/O failure.
pub fn add_tool(
    catalog: &Catalog,
    dir: &Path,
    operation: &str,
    templates: Option<&Path>,
) -> Result<AddToolReport> {
    let not_project = |reason: &str| Error::NotAProject {
        path: dir.to_owned(),
        reason: reason.to_owned(),
    };
    let mut manifest =
        Manifest::read(dir)?.ok_or_else(|| not_project("it has no .restmcp-manifest.json"))?;
    if manifest.options.get("structure").map(String::as_str) != Some("modular") {
        return Err(not_project(
            "it was generated with the simple structure (add-tool needs modular: regenerate with --structure modular)",
        ));
    }
    let options = options_from(&manifest, templates);
    let index = catalog
        .tools
        .iter()
        .position(|t| t.operation_id.as_deref() == Some(operation) || t.name.as_str() == operation)
        .ok_or_else(|| Error::UnknownOperation {
            operation: operation.to_owned(),
            examples: catalog
                .tools
                .iter()
                .take(5)
                .map(|t| format!("`{}`", t.operation_id.as_deref().unwrap_or(t.name.as_str())))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let tools = view::tools(&catalog.tools, options.auth, &options.user_header);
    let tool = &tools[index];
    let renderer = Renderer::new(templates)?;
    let base = Value::from_serialize(base_context(
        &options,
        Structure::Modular,
        &tools,
        &catalog.tools,
    ));
    let (tool_path, tool_text) = render_tool_file(&renderer, &base, tool)?;
    if dir.join(&tool_path).exists() {
        return Err(Error::ToolExists {
            tool: tool.name.clone(),
            path: dir.join(&tool_path),
        });
    }
    let (test_path, test_text) = render_tool_test(&renderer, &base, tool)?;
    let server_rel = "src/server.py";
    let server_path = dir.join(server_rel);
    let server = manifest::read_optional(&server_path)?
        .ok_or_else(|| not_project("it has no src/server.py"))?;
    let ctx = Value::from_serialize(json!({"tool": tool, "pkg": "src."}));
    let import = renderer.render_str(
        "{% import 'macros.jinja' as m %}{{ m.tool_import(tool.func, pkg) }}",
        &ctx,
    )?;
    let register = renderer.render_str(
        "{% import 'macros.jinja' as m %}{{ m.register(tool) }}",
        &ctx,
    )?;
    let updated = insert_import(&server, &import, &tool.func)
        .and_then(|s| insert_above(&s, REGISTRATIONS_MARKER, &register))
        .ok_or_else(|| {
            not_project(
                "src/server.py lost restmcp's marker comments (put them back to use add-tool)",
            )
        })?;
    let server_was_generated = manifest.files.get(server_rel) == Some(&manifest::hash(&server));
    manifest::write_file(&dir.join(&tool_path), &tool_text)?;
    manifest::write_file(&dir.join(&test_path), &test_text)?;
    manifest::write_file(&server_path, &updated)?;
    manifest
        .files
        .insert(tool_path.clone(), manifest::hash(&tool_text));
    manifest
        .files
        .insert(test_path.clone(), manifest::hash(&test_text));
    if server_was_generated {
        manifest
            .files
            .insert(server_rel.to_owned(), manifest::hash(&updated));
    }
    manifest.write(dir)?;
    Ok(AddToolReport {
        tool: tool.name.clone(),
        created: vec![tool_path, test_path],
        edited: server_rel.to_owned(),
    })
}

/// `text` with the tool's import line placed where ruff's isort puts it:
/// among the `from src.tools.` imports in natural order, or, when there are
/// none, right above the blank line before [`IMPORTS_MARKER`].
fn insert_import(text: &str, import: &str, func: &str) -> Option<String> {
    const PREFIX: &str = "from src.tools.";
    text.find(IMPORTS_MARKER)?;
    let line = if import.ends_with('\n') {
        import.to_owned()
    } else {
        format!("{import}\n")
    };
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let imports: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(PREFIX))
        .collect();
    let at = if let Some(&last) = imports.last() {
        imports
            .iter()
            .copied()
            .find(|&i| {
                let module = lines[i][PREFIX.len()..]
                    .split(' ')
                    .next()
                    .unwrap_or_default();
                python::natural_cmp(module, func).is_gt()
            })
            .unwrap_or_else(|| {
                // After the last import, and past its `( … )` when it is wrapped.
                if lines[last].trim_end().ends_with('(') {
                    (last..lines.len())
                        .find(|&i| lines[i].trim() == ")")
                        .map_or(last + 1, |i| i + 1)
                } else {
                    last + 1
                }
            })
    } else {
        let marker = lines.iter().position(|l| l.contains(IMPORTS_MARKER))?;
        if marker > 0 && lines[marker - 1].trim().is_empty() {
            marker - 1
        } else {
            marker
        }
    };
    lines.insert(at, &line);
    Some(lines.concat())
}

/// `text` with `lines` inserted above the line holding `marker` (keeping its indent).
fn insert_above(text: &str, marker: &str, lines: &str) -> Option<String> {
    let at = text.find(marker)?;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut out = String::with_capacity(text.len() + lines.len());
    out.push_str(&text[..line_start]);
    out.push_str(lines);
    if !lines.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&text[line_start..]);
    Some(out)
}

fn options_from(manifest: &Manifest, templates: Option<&Path>) -> Options {
    let get = |k: &str| manifest.options.get(k).cloned().unwrap_or_default();
    let mut options = Options::new(get("name"));
    options.api_title = get("api_title");
    options.base_url = get("base_url");
    options.source_label = get("source");
    options.user_header = get("user_header");
    options.auth = match get("auth").as_str() {
        "user-id" => AuthPattern::UserId,
        "session" => AuthPattern::Session,
        "jwt" => AuthPattern::Jwt,
        "service" => AuthPattern::Service,
        _ => AuthPattern::None,
    };
    options.transport = if get("transport") == "http" {
        Transport::Http
    } else {
        Transport::Stdio
    };
    options.structure = Some(Structure::Modular);
    options.templates = templates.map(Path::to_owned);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_imports_in_isort_order() {
        let server = format!(
            "from src.config import x\nfrom src.tools.a_tool import a_tool\nfrom src.tools.c_tool import c_tool\n\n{IMPORTS_MARKER}\n"
        );
        let out =
            insert_import(&server, "from src.tools.b_tool import b_tool\n", "b_tool").unwrap();
        assert!(out.contains("a_tool\nfrom src.tools.b_tool import b_tool\nfrom src.tools.c_tool"));
        let out = insert_import(&server, "from src.tools.z import z", "z").unwrap();
        assert!(out.contains("c_tool\nfrom src.tools.z import z\n\n# restmcp"));
        let wrapped = format!("from src.tools.a import (\n    a,\n)\n\n{IMPORTS_MARKER}\n");
        let out = insert_import(&wrapped, "from src.tools.b import b\n", "b").unwrap();
        assert!(
            out.starts_with("from src.tools.a import (\n    a,\n)\nfrom src.tools.b import b\n\n")
        );
        let bare = format!("from src.config import x\n\n{IMPORTS_MARKER}\n");
        let out = insert_import(&bare, "from src.tools.z import z\n", "z").unwrap();
        assert_eq!(
            out,
            format!("from src.config import x\nfrom src.tools.z import z\n\n{IMPORTS_MARKER}\n")
        );
        assert!(
            insert_import(
                "from src.tools.a import a\n",
                "from src.tools.b import b\n",
                "b"
            )
            .is_none()
        );
    }

    #[test]
    fn inserts_above_marker() {
        let text = "a\n    # m\nb\n";
        assert_eq!(
            insert_above(text, "# m", "    x\n").as_deref(),
            Some("a\n    x\n    # m\nb\n")
        );
        assert!(insert_above(text, "# nope", "x").is_none());
    }
}
