//! Which operations become tools: include/exclude by tag, operationId,
//! tool-name glob and method.
//!
//! Every non-empty `include_*` list (and `methods`) must match; any
//! matching `exclude_*` entry removes the operation. Name globs apply to the
//! final tool name (after overrides and uniqueness), and names are settled
//! over the whole document before filtering, so a filter never renames a
//! tool. Filtered operations are counted in
//! [`Catalog::filtered`](crate::Catalog::filtered), not warned about.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::error::{Error, Result};
use crate::model::HttpMethod;
use crate::naming::ToolName;
use crate::operation::OperationRef;

/// Which operations become tools. The default keeps all of them.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Keep only operations with at least one of these tags.
    pub include_tags: Vec<String>,
    /// Drop operations with any of these tags.
    pub exclude_tags: Vec<String>,
    /// Keep only these operations: operationIds, or `METHOD /path`.
    pub include_operations: Vec<String>,
    /// Drop these operations: operationIds, or `METHOD /path`.
    pub exclude_operations: Vec<String>,
    /// Keep only tools whose final name matches one of these globs
    /// (`*_task*`).
    pub include_names: Vec<String>,
    /// Drop tools whose final name matches one of these globs.
    pub exclude_names: Vec<String>,
    /// Keep only these methods; empty keeps all.
    pub methods: Vec<HttpMethod>,
}

impl Filter {
    /// Checks that every name glob parses, so a command line can fail before
    /// loading anything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidGlob`] naming the first glob that does not parse.
    pub fn validate(&self) -> Result<()> {
        self.compile().map(|_| ())
    }

    /// Compiles the globs.
    pub(crate) fn compile(&self) -> Result<CompiledFilter<'_>> {
        Ok(CompiledFilter {
            filter: self,
            include_names: glob_set(&self.include_names)?,
            exclude_names: glob_set(&self.exclude_names)?,
        })
    }
}

fn glob_set(globs: &[String]) -> Result<Option<GlobSet>> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let parsed = Glob::new(glob).map_err(|source| Error::InvalidGlob {
            glob: glob.clone(),
            source,
        })?;
        builder.add(parsed);
    }
    builder
        .build()
        .map(Some)
        .map_err(|source| Error::InvalidGlob {
            glob: globs.join(", "),
            source,
        })
}

/// A [`Filter`] with its globs compiled.
pub(crate) struct CompiledFilter<'f> {
    filter: &'f Filter,
    include_names: Option<GlobSet>,
    exclude_names: Option<GlobSet>,
}

impl CompiledFilter<'_> {
    /// Whether the operation, named `name`, becomes a tool.
    pub(crate) fn keeps(&self, op: &OperationRef<'_>, name: &ToolName) -> bool {
        let f = self.filter;
        if !f.methods.is_empty() && !f.methods.contains(&op.method) {
            return false;
        }
        let has_tag = |tags: &[String]| op.tags().any(|t| tags.iter().any(|wanted| wanted == t));
        if !f.include_tags.is_empty() && !has_tag(&f.include_tags) {
            return false;
        }
        if has_tag(&f.exclude_tags) {
            return false;
        }
        let named = |keys: &[String]| keys.iter().any(|key| op.matches_key(key));
        if !f.include_operations.is_empty() && !named(&f.include_operations) {
            return false;
        }
        if named(&f.exclude_operations) {
            return false;
        }
        if let Some(include) = &self.include_names
            && !include.is_match(name.as_str())
        {
            return false;
        }
        if let Some(exclude) = &self.exclude_names
            && exclude.is_match(name.as_str())
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;

    fn keeps(filter: &Filter, method: HttpMethod, operation: &Value, name: &str) -> bool {
        let operation = operation.as_object().cloned().unwrap_or_default();
        let item = Map::new();
        let op = OperationRef {
            path: "/tasks",
            method,
            operation: &operation,
            path_item: &item,
            label: format!("{method} /tasks"),
        };
        let name = ToolName::new(name).unwrap_or_else(|e| panic!("{e}"));
        filter
            .compile()
            .unwrap_or_else(|e| panic!("{e}"))
            .keeps(&op, &name)
    }

    #[test]
    fn default_keeps_everything() {
        assert!(keeps(
            &Filter::default(),
            HttpMethod::Delete,
            &json!({}),
            "x"
        ));
    }

    #[test]
    fn includes_and_excludes_combine() {
        let op = json!({"operationId": "listTasks", "tags": ["tasks", "public"]});
        let filter = Filter {
            include_tags: vec!["tasks".into()],
            exclude_tags: vec!["internal".into()],
            include_names: vec!["list_*".into()],
            methods: vec![HttpMethod::Get],
            ..Filter::default()
        };
        assert!(keeps(&filter, HttpMethod::Get, &op, "list_tasks"));
        assert!(
            !keeps(&filter, HttpMethod::Post, &op, "list_tasks"),
            "method"
        );
        assert!(
            !keeps(&filter, HttpMethod::Get, &op, "get_task"),
            "name glob"
        );
        assert!(
            !keeps(
                &filter,
                HttpMethod::Get,
                &json!({"tags": ["other"]}),
                "list_tasks"
            ),
            "tag"
        );
        assert!(
            !keeps(
                &filter,
                HttpMethod::Get,
                &json!({"tags": ["tasks", "internal"]}),
                "list_tasks"
            ),
            "excluded tag"
        );
        let by_operation = Filter {
            include_operations: vec!["listTasks".into(), "POST /tasks".into()],
            exclude_names: vec!["*_admin".into()],
            ..Filter::default()
        };
        assert!(keeps(&by_operation, HttpMethod::Get, &op, "list_tasks"));
        assert!(keeps(
            &by_operation,
            HttpMethod::Post,
            &json!({}),
            "create_task"
        ));
        assert!(!keeps(
            &by_operation,
            HttpMethod::Put,
            &json!({}),
            "update_task"
        ));
        assert!(!keeps(
            &by_operation,
            HttpMethod::Post,
            &json!({}),
            "create_admin"
        ));
        let exclude = Filter {
            exclude_operations: vec!["listTasks".into()],
            ..Filter::default()
        };
        assert!(!keeps(&exclude, HttpMethod::Get, &op, "list_tasks"));
    }

    #[test]
    fn bad_globs_are_errors() {
        let filter = Filter {
            include_names: vec!["ok_*".into(), "[bad".into()],
            ..Filter::default()
        };
        match filter.validate() {
            Err(Error::InvalidGlob { glob, .. }) => assert_eq!(glob, "[bad"),
            other => panic!("expected InvalidGlob, got {other:?}"),
        }
    }
}
