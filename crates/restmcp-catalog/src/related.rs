//! Relations between the tools of one catalog that errors and generated
//! code point to: the tool that lists a tool's collection, and the tool that
//! gets the item a tool works on. One rule, shared by the gateway's error
//! suggestions and the generated client's, so both name the same tools.

use crate::model::{HttpMethod, ToolDef};

/// A GET tool on the collection of `tool`'s path, with no path arguments:
/// for `get_task` on `/tasks/{task_id}`, `list_tasks` on `/tasks`.
#[must_use]
pub fn list_tool_for<'a>(tool: &ToolDef, tools: &'a [ToolDef]) -> Option<&'a ToolDef> {
    let collection = collection_of(&tool.binding.path)?;
    if collection.is_empty() {
        return None;
    }
    tools.iter().find(|t| {
        t.binding.method == HttpMethod::Get
            && t.binding.path.trim_end_matches('/') == collection
            && t.name.as_str() != tool.name.as_str()
    })
}

/// A GET tool on the item `tool` works on: for `update_task` on
/// `/tasks/{task_id}`, `get_task`.
#[must_use]
pub fn get_tool_for<'a>(tool: &ToolDef, tools: &'a [ToolDef]) -> Option<&'a ToolDef> {
    let path = &tool.binding.path;
    let item = match path.rfind('}') {
        Some(end) => &path[..=end],
        None => path.as_str(),
    };
    tools.iter().find(|t| {
        t.binding.method == HttpMethod::Get
            && t.binding.path == item
            && t.name.as_str() != tool.name.as_str()
    })
}

/// The collection a path belongs to: `/tasks/{task_id}/complete` → `/tasks`.
fn collection_of(path: &str) -> Option<&str> {
    let brace = path.find('{')?;
    Some(path[..brace].trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_of_paths() {
        assert_eq!(collection_of("/tasks/{task_id}/complete"), Some("/tasks"));
        assert_eq!(collection_of("/tasks"), None);
        assert_eq!(collection_of("/{id}"), Some(""));
    }
}
