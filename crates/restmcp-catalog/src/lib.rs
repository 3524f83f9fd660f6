//! Turns a normalized spec into tools; no I/O, no MCP transport.
//!
//! [`build`] takes an OpenAPI document in the normalized 3.1 shape that
//! `restmcp-spec` produces (a `serde_json::Value`) and returns a [`Catalog`]:
//! one [`ToolDef`] per operation, the project's IR. A tool has its MCP name
//! ([`naming`]), title and description, an input JSON Schema flattening
//! every parameter and the body ([`params`](crate::ArgBinding)), an output
//! JSON Schema, annotations, and an [`HttpBinding`] from which the gateway
//! builds requests without the document. [`Catalog::to_mcp_json`] is exactly
//! the `tools` array of an MCP `tools/list` result.
//!
//! Only document-level failures are errors ([`Error`]); an operation that
//! cannot be mapped cleanly is degraded or skipped with a [`Warning`] naming
//! `METHOD /path` and saying why. Nothing is dropped silently, and the same
//! input always gives the same output.
//!
//! ```
//! let document = serde_json::json!({
//!     "openapi": "3.1.0",
//!     "info": {"title": "Todo", "version": "1"},
//!     "paths": {"/tasks/{task_id}": {"get": {
//!         "operationId": "get_task_tasks__task_id__get",
//!         "summary": "Get Task",
//!         "parameters": [{"name": "task_id", "in": "path", "required": true, "schema": {"type": "integer"}}],
//!         "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
//!     }}}
//! });
//! let catalog = restmcp_catalog::build(&document, &Default::default())?;
//! assert_eq!(catalog.tools[0].name.as_str(), "get_task");
//! assert_eq!(catalog.to_mcp_json()[0]["inputSchema"]["required"][0], "task_id");
//! # Ok::<(), restmcp_catalog::Error>(())
//! ```
//!
//! Modules: `operation` walks the paths, `params` and `output` build the two
//! schemas, `schema` cleans JSON Schemas, [`naming`] makes the names,
//! `filter` picks operations, `model` is the IR.
#![deny(missing_docs)]

use std::collections::BTreeMap;

use serde_json::Value;

mod error;
mod filter;
mod model;
pub mod naming;
mod operation;
mod output;
mod params;
pub mod related;
mod schema;

pub use error::{Error, Result};
pub use filter::Filter;
pub use model::{
    Annotations, ArgBinding, BodyBinding, BodyKind, Catalog, HttpBinding, HttpMethod,
    ParamLocation, ParamStyle, ResponseInfo, ToolDef, Warning, WarningKind,
};
pub use naming::{InvalidToolName, ToolName};

use crate::error::json_type;
use crate::model::Warning as W;
use crate::naming::NameInput;
use crate::operation::OperationRef;

/// What to catalogue and how to name it.
#[derive(Debug, Default, Clone)]
pub struct CatalogOptions {
    /// Which operations become tools.
    pub filter: Filter,
    /// Tool names chosen by the user: key an operationId or `METHOD /path`
    /// (method in any case), value the tool name. The name must already be a
    /// valid MCP tool name (it is not cleaned), and two overrides may not
    /// ask for the same name: both are errors. An override wins over the
    /// names the algorithm makes; an override that matches no operation is a
    /// note.
    pub overrides: BTreeMap<String, String>,
}

impl CatalogOptions {
    /// Sets the filter.
    #[must_use]
    pub fn with_filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// Names the operation `operation` (operationId or `METHOD /path`)
    /// `name`.
    #[must_use]
    pub fn with_override(mut self, operation: impl Into<String>, name: impl Into<String>) -> Self {
        self.overrides.insert(operation.into(), name.into());
        self
    }
}

/// Turns a normalized OpenAPI document into a catalog of MCP tools.
///
/// # Errors
///
/// When the document is not an object, has no `paths` object, or the
/// options are invalid (a bad name glob, an invalid or duplicated override
/// name). Problems with single operations are [`Catalog::warnings`].
pub fn build(document: &Value, options: &CatalogOptions) -> Result<Catalog> {
    let filter = options.filter.compile()?;
    let document = document.as_object().ok_or_else(|| Error::NotAnObject {
        found: json_type(document),
    })?;
    let paths = match document.get("paths") {
        Some(Value::Object(paths)) => paths,
        Some(other) => {
            return Err(Error::InvalidPaths {
                found: json_type(other),
            });
        }
        None => return Err(Error::MissingPaths),
    };

    let mut warnings = Vec::new();
    let operations = operation::collect(document, paths, &mut warnings);
    let overrides = resolve_overrides(&operations, &options.overrides, &mut warnings)?;
    let inputs: Vec<NameInput<'_>> = operations
        .iter()
        .zip(overrides)
        .map(|(op, overridden)| NameInput {
            operation_id: op.operation_id(),
            method: op.method,
            path: op.path,
            overridden,
        })
        .collect();
    let names = naming::assign(&inputs);

    let mut schemas = schema::Schemas::new(document);
    let mut tools = Vec::with_capacity(operations.len());
    let mut filtered = 0;
    for (op, name) in operations.iter().zip(names) {
        if !filter.keeps(op, &name) {
            filtered += 1;
            continue;
        }
        if let Some(tool) = operation::build_tool(op, name, document, &mut schemas, &mut warnings) {
            tools.push(tool);
        }
    }
    warnings.extend(schemas.take_warnings());
    let security_schemes = document
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(Value::as_object)
        .map(|schemes| {
            schemes
                .iter()
                .filter(|(_, scheme)| scheme.is_object())
                .map(|(name, scheme)| (name.clone(), scheme.clone()))
                .collect()
        })
        .unwrap_or_default();
    Ok(Catalog {
        tools,
        warnings,
        filtered,
        security_schemes,
    })
}

/// The override for each operation (in order). `METHOD /path` keys are
/// applied before operationId keys; an operationId shared by several
/// operations names the first.
fn resolve_overrides(
    operations: &[OperationRef<'_>],
    overrides: &BTreeMap<String, String>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Option<ToolName>>> {
    let mut result: Vec<Option<ToolName>> = vec![None; operations.len()];
    if overrides.is_empty() {
        return Ok(result);
    }
    let mut validated = Vec::with_capacity(overrides.len());
    for (key, name) in overrides {
        let tool_name = ToolName::new(name.clone()).map_err(|source| Error::InvalidOverride {
            operation: key.clone(),
            name: name.clone(),
            source,
        })?;
        validated.push((key, tool_name));
    }
    let is_route = |key: &str| {
        key.split_once(' ')
            .is_some_and(|(m, _)| m.parse::<HttpMethod>().is_ok())
    };
    let (routes, ids): (Vec<_>, Vec<_>) = validated.into_iter().partition(|(key, _)| is_route(key));
    for (key, name) in routes.into_iter().chain(ids) {
        let mut matches = operations
            .iter()
            .enumerate()
            .filter(|(_, op)| op.matches_key(key));
        let Some((index, op)) = matches.next() else {
            warnings.push(W::new(
                WarningKind::Note,
                "",
                format!("the override `{key}` matches no operation"),
            ));
            continue;
        };
        let others = matches.count();
        if others > 0 {
            warnings.push(W::new(
                WarningKind::Note,
                op.label.as_str(),
                format!(
                    "the override `{key}` matches {} operations; it names only the first, `{}`",
                    others + 1,
                    op.label
                ),
            ));
        }
        match result.get_mut(index) {
            Some(slot @ None) => *slot = Some(name),
            Some(Some(_)) => warnings.push(W::new(
                WarningKind::Note,
                op.label.as_str(),
                format!("ignored the override `{key}`: `{}` is already named by its `METHOD /path` override", op.label),
            )),
            None => {}
        }
    }
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (op, name) in operations.iter().zip(&result) {
        if let Some(name) = name
            && let Some(first) = seen.insert(name.as_str(), op.label.as_str())
        {
            return Err(Error::DuplicateOverride {
                name: name.as_str().to_owned(),
                first: first.to_owned(),
                second: op.label.clone(),
            });
        }
    }
    Ok(result)
}
