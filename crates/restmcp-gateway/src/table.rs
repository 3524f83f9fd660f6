//! The served tools, kept small: each tool's schemas are held as compact
//! JSON text (a 1,223-tool API's schemas are ~8 MB as text but several times
//! that as `serde_json::Value` trees), turned into rmcp [`Tool`]s only for
//! the `tools/list` page being answered, and its argument validator compiled
//! on the tool's first call and kept.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use restmcp_catalog::{ParamLocation, ToolDef};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::Value;

use crate::validate::ArgumentValidator;

/// One tool as served.
pub struct Served {
    /// The catalog entry (name, binding, annotations); its schemas moved
    /// out into `input` / `output`.
    pub def: ToolDef,
    input: Box<str>,
    output: Option<Box<str>>,
    validator: OnceLock<Result<ArgumentValidator, String>>,
    /// The `X-User-ID` header argument's default, for audit records.
    pub default_user: Option<String>,
}

impl Served {
    fn new(mut def: ToolDef) -> Self {
        let default_user = def
            .binding
            .args
            .iter()
            .find(|a| {
                a.location == ParamLocation::Header && a.name.eq_ignore_ascii_case("x-user-id")
            })
            .and_then(|a| {
                def.input_schema
                    .get("properties")?
                    .get(&a.arg)?
                    .get("default")?
                    .as_str()
            })
            .map(str::to_owned);
        let input = compact(&std::mem::take(&mut def.input_schema));
        let output = def.output_schema.take().map(|o| compact(&o));
        Self {
            def,
            input,
            output,
            validator: OnceLock::new(),
            default_user,
        }
    }

    /// The input schema as an object.
    pub fn input_schema(&self) -> JsonObject {
        parse(&self.input)
    }

    /// The compiled validator (compiled now if this is the first call).
    pub fn validator(&self) -> &Result<ArgumentValidator, String> {
        self.validator
            .get_or_init(|| ArgumentValidator::new(&self.input_schema()))
    }

    /// The MCP tool definition.
    pub fn to_tool(&self) -> Tool {
        let def = &self.def;
        let mut tool = Tool::new_with_raw(
            Cow::Owned(def.name.as_str().to_owned()),
            def.description.clone().map(Cow::Owned),
            Arc::new(self.input_schema()),
        );
        if let Some(title) = &def.title {
            tool = tool.with_title(title.clone());
        }
        if let Some(output) = &self.output {
            tool = tool.with_raw_output_schema(Arc::new(parse(output)));
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

/// All served tools, in catalog order, with a name index.
pub struct ToolTable {
    tools: Vec<Served>,
    index: HashMap<String, usize>,
    /// The catalog entries, for suggestions that name sibling tools.
    siblings: Vec<ToolDef>,
}

impl ToolTable {
    /// Takes the catalog's tools.
    pub fn new(defs: Vec<ToolDef>) -> Self {
        let tools: Vec<Served> = defs.into_iter().map(Served::new).collect();
        let index = tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.def.name.as_str().to_owned(), i))
            .collect();
        let siblings = tools.iter().map(|t| t.def.clone()).collect();
        Self {
            tools,
            index,
            siblings,
        }
    }

    /// How many tools.
    pub fn len(&self) -> usize {
        self.tools.len()
    }

    /// The tool called `name`.
    pub fn get(&self, name: &str) -> Option<&Served> {
        self.index.get(name).map(|&i| &self.tools[i])
    }

    /// MCP definitions of tools `range`.
    pub fn page(&self, range: std::ops::Range<usize>) -> Vec<Tool> {
        self.tools[range].iter().map(Served::to_tool).collect()
    }

    /// Catalog entries of every tool (schemas emptied).
    pub fn siblings(&self) -> &[ToolDef] {
        &self.siblings
    }

    /// Names containing `name` or contained in it (for "did you mean").
    pub fn similar(&self, name: &str) -> Vec<&str> {
        let mut close: Vec<&str> = self
            .tools
            .iter()
            .map(|t| t.def.name.as_str())
            .filter(|n| n.contains(name) || name.contains(*n))
            .take(5)
            .collect();
        close.sort_unstable();
        close
    }
}

fn compact(schema: &JsonObject) -> Box<str> {
    serde_json::to_string(schema)
        .unwrap_or_else(|_| "{}".to_owned())
        .into_boxed_str()
}

fn parse(text: &str) -> JsonObject {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        _ => JsonObject::new(),
    }
}
