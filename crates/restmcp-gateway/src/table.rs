//! The served tools, kept small: every tool's schemas live as compact JSON
//! in one buffer (a 1,223-tool API's schemas are ~8 MB as text but several
//! times that as `serde_json::Value` trees, scattered over the heap), turned
//! into rmcp [`Tool`]s only for the `tools/list` page being answered; a
//! tool's argument validator is compiled on its first call and kept.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use restmcp_catalog::{ParamLocation, ToolDef};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::Value;

use crate::validate::ArgumentValidator;

/// At most this many tools per `tools/list` page…
const PAGE_TOOLS: usize = 200;
/// …and about this many bytes of JSON: clients cap one message (the Python
/// SDK refuses a server-sent event over 1 MiB), and GitHub's 1,223 tools
/// are 8 MB.
const PAGE_BYTES: usize = 512 * 1024;

/// All served tools, in catalog order, with a name index.
pub struct ToolTable {
    /// Catalog entries with their schemas moved out (names, bindings,
    /// annotations); also what suggestions search for sibling tools.
    defs: Vec<ToolDef>,
    /// Every schema, compact JSON, back to back.
    schemas: Box<[u8]>,
    spans: Vec<Spans>,
    validators: Vec<OnceLock<Result<ArgumentValidator, String>>>,
    /// The MCP definition of each tool that has been called (rmcp's HTTP
    /// layer asks for it on every 2026-07-28 call): parsed once.
    called: Vec<OnceLock<Tool>>,
    /// Each tool's `X-User-ID` header default, for audit records.
    default_users: Vec<Option<String>>,
    index: HashMap<String, usize>,
}

struct Spans {
    input: Range<usize>,
    output: Option<Range<usize>>,
}

/// One tool of the table.
#[derive(Clone, Copy)]
pub struct Served<'a> {
    table: &'a ToolTable,
    i: usize,
}

impl ToolTable {
    /// Takes the catalog's tools.
    pub fn new(mut defs: Vec<ToolDef>) -> Self {
        let mut buffer: Vec<u8> = Vec::new();
        let mut spans = Vec::with_capacity(defs.len());
        let mut default_users = Vec::with_capacity(defs.len());
        for def in &mut defs {
            default_users.push(default_user(def));
            let input = append(&mut buffer, &std::mem::take(&mut def.input_schema));
            let output = def.output_schema.take().map(|o| append(&mut buffer, &o));
            spans.push(Spans { input, output });
        }
        defs.shrink_to_fit();
        let index = defs
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str().to_owned(), i))
            .collect();
        let validators = defs.iter().map(|_| OnceLock::new()).collect();
        let called = defs.iter().map(|_| OnceLock::new()).collect();
        Self {
            defs,
            schemas: buffer.into_boxed_slice(),
            spans,
            validators,
            called,
            default_users,
            index,
        }
    }

    /// How many tools.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// The tool called `name`.
    pub fn get(&self, name: &str) -> Option<Served<'_>> {
        self.index.get(name).map(|&i| Served { table: self, i })
    }

    /// Where the `tools/list` page starting at tool `start` ends: at most
    /// [`PAGE_TOOLS`] tools and about [`PAGE_BYTES`] of JSON, at least one
    /// tool.
    pub fn page_end(&self, start: usize) -> usize {
        let mut bytes = 0;
        let mut end = start;
        while end < self.len() && end - start < PAGE_TOOLS {
            let size = self.json_size(end);
            if end > start && bytes + size > PAGE_BYTES {
                break;
            }
            bytes += size;
            end += 1;
        }
        end
    }

    /// About how large tool `i` is in a `tools/list` answer.
    fn json_size(&self, i: usize) -> usize {
        let spans = &self.spans[i];
        let def = &self.defs[i];
        spans.input.len()
            + spans.output.as_ref().map_or(0, Range::len)
            + def.description.as_ref().map_or(0, String::len)
            + 2 * def.title.as_ref().map_or(0, String::len)
            + def.name.as_str().len()
            + 200
    }

    /// MCP definitions of tools `range` (parsed for this answer, except
    /// those already kept because they were called).
    pub fn page(&self, range: Range<usize>) -> Vec<Tool> {
        range
            .map(|i| match self.called[i].get() {
                Some(tool) => tool.clone(),
                None => Served { table: self, i }.to_tool(),
            })
            .collect()
    }

    /// Catalog entries of every tool (schemas emptied).
    pub fn siblings(&self) -> &[ToolDef] {
        &self.defs
    }

    /// Names containing `name` or contained in it (for "did you mean").
    pub fn similar(&self, name: &str) -> Vec<&str> {
        let mut close: Vec<&str> = self
            .defs
            .iter()
            .map(|t| t.name.as_str())
            .filter(|n| n.contains(name) || name.contains(*n))
            .take(5)
            .collect();
        close.sort_unstable();
        close
    }

    fn schema(&self, span: &Range<usize>) -> JsonObject {
        match serde_json::from_slice::<Value>(&self.schemas[span.clone()]) {
            Ok(Value::Object(map)) => map,
            _ => JsonObject::new(),
        }
    }
}

impl<'a> Served<'a> {
    /// The catalog entry (name, binding, annotations; no schemas).
    pub fn def(self) -> &'a ToolDef {
        &self.table.defs[self.i]
    }

    /// The `X-User-ID` header argument's default, if the tool has one.
    pub fn default_user(self) -> Option<&'a str> {
        self.table.default_users[self.i].as_deref()
    }

    /// The input schema as an object.
    pub fn input_schema(self) -> JsonObject {
        self.table.schema(&self.table.spans[self.i].input)
    }

    /// The compiled validator (compiled now if this is the first call).
    pub fn validator(self) -> &'a Result<ArgumentValidator, String> {
        self.table.validators[self.i]
            .get_or_init(|| ArgumentValidator::new(&self.called_tool().input_schema))
    }

    /// The MCP definition, parsed on first use and kept: for tools that
    /// are called (a handful, usually), not for everything listed.
    pub fn called_tool(self) -> &'a Tool {
        self.table.called[self.i].get_or_init(|| self.to_tool())
    }

    /// The MCP tool definition.
    pub fn to_tool(self) -> Tool {
        let def = self.def();
        let mut tool = Tool::new_with_raw(
            Cow::Owned(def.name.as_str().to_owned()),
            def.description.clone().map(Cow::Owned),
            Arc::new(self.input_schema()),
        );
        if let Some(title) = &def.title {
            tool = tool.with_title(title.clone());
        }
        if let Some(output) = &self.table.spans[self.i].output {
            tool = tool.with_raw_output_schema(Arc::new(self.table.schema(output)));
        }
        let a = &def.annotations;
        let mut annotations = ToolAnnotations::new()
            .read_only(a.read_only)
            .destructive(a.destructive)
            .idempotent(a.idempotent)
            .open_world(a.open_world);
        annotations.title = def.title.clone();
        tool.with_annotations(annotations)
    }
}

/// Serializes `schema` at the end of `buffer`; its byte range.
fn append(buffer: &mut Vec<u8>, schema: &JsonObject) -> Range<usize> {
    let start = buffer.len();
    if serde_json::to_writer(&mut *buffer, schema).is_err() {
        buffer.truncate(start);
        buffer.extend_from_slice(b"{}");
    }
    start..buffer.len()
}

fn default_user(def: &ToolDef) -> Option<String> {
    let arg = def.binding.args.iter().find(|a| {
        a.location == ParamLocation::Header && a.name.eq_ignore_ascii_case("x-user-id")
    })?;
    let default = def
        .input_schema
        .get("properties")?
        .get(&arg.arg)?
        .get("default")?;
    default.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use restmcp_catalog::CatalogOptions;
    use serde_json::json;

    #[test]
    fn schemas_come_back_as_they_went_in() {
        let document = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/a/{id}": {"get": {"operationId": "get_a",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                                   {"name": "X-User-ID", "in": "header", "schema": {"type": "string", "default": "local"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array"}}}}}}},
                "/b": {"post": {"operationId": "make_b", "responses": {"204": {"description": "none"}}}}
            }
        });
        let catalog = restmcp_catalog::build(&document, &CatalogOptions::default()).unwrap();
        let expected: Vec<Value> = catalog.tools.iter().map(ToolDef::to_mcp_json).collect();
        let table = ToolTable::new(catalog.tools);
        let listed: Vec<Value> = table
            .page(0..table.len())
            .iter()
            .map(|t| serde_json::to_value(t).unwrap())
            .collect();
        for (listed, expected) in listed.iter().zip(&expected) {
            assert_eq!(listed["inputSchema"], expected["inputSchema"]);
            assert_eq!(listed["outputSchema"], expected["outputSchema"]);
            assert_eq!(listed["name"], expected["name"]);
        }
        let get_a = table.get("get_a").unwrap();
        assert_eq!(get_a.default_user(), Some("local"));
        assert!(get_a.validator().is_ok());
        assert!(
            table
                .get("make_b")
                .unwrap()
                .to_tool()
                .output_schema
                .is_none()
        );
        assert!(table.get("nope").is_none());
        assert_eq!(table.page_end(0), 2, "small tables are one page");
        assert_eq!(table.page_end(1), 2);
    }
}
