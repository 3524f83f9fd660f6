//! Tool names: the [`ToolName`] newtype, the naming algorithm and uniqueness.
//! This is the only module that makes tool names.
//!
//! The algorithm, per operation (first that gives a non-empty name wins):
//! 1. an override from [`CatalogOptions::overrides`](crate::CatalogOptions),
//!    taken as is (it must already be a valid name);
//! 2. the function name recovered from FastAPI's default operationId
//!    (`re.sub(r"\W", "_", function + path) + "_" + method`, so
//!    `create_task_tasks_post` on `POST /tasks` gives `create_task`), when the
//!    operationId ends with exactly that suffix for this operation's path and
//!    method and the prefix is not empty;
//! 3. the operationId;
//! 4. the method and the path: `GET /users/{id}` gives `get_users_id` (braces
//!    and slashes become `_`, then the cleanup below).
//!
//! Cleanup: every character outside `[A-Za-z0-9_-]` becomes `_`, runs of `_`
//! collapse to one, and leading and trailing `_` go (GitHub's
//! `repos/get-content` gives `repos_get-content`; `créer` gives `cr_er`).
//! Leading digits are kept: MCP allows them. A name longer than 64
//! characters is cut to 55 and ends with `_` and the first 8 hex digits of
//! the SHA-256 of the whole cleaned name, so it does not change when other
//! operations come and go.
//!
//! Uniqueness, over the whole document (before filters, so filtering never
//! renames a tool): FastAPI function names that clash fall back to their
//! cleaned operationIds; overrides keep their name; any name still taken
//! gets `_2`, `_3`, … in document order (the first keeps the bare name),
//! never equal to another operation's own name; a name that would then be
//! too long keeps its hash and number (`…_1a2b3c4d_2`).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::model::HttpMethod;

/// An MCP tool name: 1 to 64 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ToolName(String);

/// Why a string is not a valid [`ToolName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidToolName {
    /// The name is empty.
    #[error("a tool name cannot be empty")]
    Empty,
    /// The name is longer than [`ToolName::MAX_LEN`].
    #[error("a tool name has at most 64 characters; this one has {len}")]
    TooLong {
        /// Its length in characters.
        len: usize,
    },
    /// The name has a character outside `[A-Za-z0-9_-]`.
    #[error("a tool name may only contain `A-Z`, `a-z`, `0-9`, `_` and `-`; found `{ch}`")]
    InvalidChar {
        /// The first offending character.
        ch: char,
    },
}

impl ToolName {
    /// The longest name MCP clients accept.
    pub const MAX_LEN: usize = 64;

    /// Validates `name` as an MCP tool name, unchanged (no cleanup).
    ///
    /// # Errors
    ///
    /// When `name` is empty, longer than 64 characters, or has a character
    /// outside `[A-Za-z0-9_-]`.
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidToolName> {
        let name = name.into();
        if let Some(ch) = name.chars().find(|&c| !is_name_char(c)) {
            return Err(InvalidToolName::InvalidChar { ch });
        }
        match name.len() {
            0 => Err(InvalidToolName::Empty),
            len if len > Self::MAX_LEN => Err(InvalidToolName::TooLong { len }),
            _ => Ok(Self(name)),
        }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a name the algorithm below built; valid by construction
    /// (checked in debug builds), so no error path is needed.
    fn from_built(name: String) -> Self {
        debug_assert!(
            Self::new(name.clone()).is_ok(),
            "built an invalid tool name `{name}`"
        );
        Self(name)
    }
}

impl std::fmt::Display for ToolName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ToolName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ToolName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ToolName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

const fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The Python function name inside a FastAPI default operationId, when
/// `operation_id` is exactly `re.sub(r"\W", "_", function + path) + "_" +
/// method` for this `path` and `method` and `function` is not empty.
///
/// ```
/// use restmcp_catalog::{HttpMethod, naming::fastapi_function_name};
/// assert_eq!(
///     fastapi_function_name("get_task_tasks__task_id__get", HttpMethod::Get, "/tasks/{task_id}"),
///     Some("get_task"),
/// );
/// assert_eq!(fastapi_function_name("getTask", HttpMethod::Get, "/tasks/{task_id}"), None);
/// ```
#[must_use]
pub fn fastapi_function_name<'a>(
    operation_id: &'a str,
    method: HttpMethod,
    path: &str,
) -> Option<&'a str> {
    // Python's `\w` on `str` is Unicode-aware: letters, digits and `_`.
    let mut suffix: String = path
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    suffix.push('_');
    suffix.push_str(method.key());
    let function = operation_id.strip_suffix(suffix.as_str())?;
    (!function.is_empty()).then_some(function)
}

/// The cleanup every generated name goes through: `[A-Za-z0-9_-]` kept,
/// anything else `_`, runs of `_` collapsed, `_` trimmed at both ends. May be
/// empty (e.g. for an all-CJK operationId).
fn sanitize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = if is_name_char(c) { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Fits a sanitized (ASCII) name, plus `suffix` (`""` or `_2`, `_3`, ...),
/// into 64 characters. A name that does not fit becomes a prefix, `_`, the
/// first 8 hex digits of the SHA-256 of the whole name, then the suffix: the
/// hash depends only on the name, so it is stable, and a numbered twin of a
/// hashed name still shows its number.
fn fit_with(name: &str, suffix: &str) -> String {
    if name.len() + suffix.len() <= ToolName::MAX_LEN {
        return format!("{name}{suffix}");
    }
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let keep = ToolName::MAX_LEN.saturating_sub(1 + hash.len() + suffix.len());
    let prefix = name.get(..keep).unwrap_or(name).trim_end_matches('_');
    format!("{prefix}_{hash}{suffix}")
}

/// The cleaned form of `raw` (not yet fitted), or `None` when nothing is
/// left.
fn clean(raw: &str) -> Option<String> {
    let name = sanitize(raw);
    (!name.is_empty()).then_some(name)
}

/// The `{method}_{path}` name: `GET /users/{id}` → `get_users_id`, `GET /` →
/// `get`.
fn method_path_name(method: HttpMethod, path: &str) -> String {
    sanitize(&format!("{}_{path}", method.key()))
}

/// What the naming algorithm needs to know about one operation.
#[derive(Debug, Clone)]
pub(crate) struct NameInput<'a> {
    /// The operationId, if any.
    pub operation_id: Option<&'a str>,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template.
    pub path: &'a str,
    /// A name from the options, already validated.
    pub overridden: Option<ToolName>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Override,
    FastApi,
    OperationId,
    MethodPath,
}

/// The name an operation asks for before uniqueness is settled.
fn base_name(input: &NameInput<'_>) -> (String, Source) {
    if let Some(name) = &input.overridden {
        return (name.as_str().to_owned(), Source::Override);
    }
    if let Some(id) = input.operation_id {
        if let Some(name) = fastapi_function_name(id, input.method, input.path).and_then(clean) {
            return (name, Source::FastApi);
        }
        if let Some(name) = clean(id) {
            return (name, Source::OperationId);
        }
    }
    (
        method_path_name(input.method, input.path),
        Source::MethodPath,
    )
}

/// Names every operation, in order; the names are unique. Overrides must
/// already be unique among themselves (the caller reports that as an error).
pub(crate) fn assign(inputs: &[NameInput<'_>]) -> Vec<ToolName> {
    // Each base is the whole cleaned name; `fit_with` shortens it last.
    let mut bases: Vec<(String, Source)> = inputs.iter().map(base_name).collect();
    let fitted = |bases: &[(String, Source)]| -> Vec<String> {
        bases.iter().map(|(name, _)| fit_with(name, "")).collect()
    };

    // Recovered FastAPI function names that clash (two routers each with a
    // `list_items`, say) go back to their operationIds, which FastAPI made
    // unique by adding the path and method.
    let names = fitted(&bases);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in &names {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    for ((base, input), name) in bases.iter_mut().zip(inputs).zip(&names) {
        if base.1 == Source::FastApi
            && counts.get(name.as_str()).is_some_and(|&n| n > 1)
            && let Some(id) = input.operation_id.and_then(clean)
        {
            *base = (id, Source::OperationId);
        }
    }

    // Every operation's own name is reserved: a numeric suffix never lands
    // on it. Overrides are placed first so that they always win.
    let names = fitted(&bases);
    let reserved: HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut used: HashSet<String> = bases
        .iter()
        .zip(&names)
        .filter(|((_, source), _)| *source == Source::Override)
        .map(|(_, name)| name.clone())
        .collect();
    bases
        .iter()
        .zip(&names)
        .map(|((base, source), name)| {
            if *source == Source::Override || used.insert(name.clone()) {
                return ToolName::from_built(name.clone());
            }
            let mut n = 2;
            loop {
                let candidate = fit_with(base, &format!("_{n}"));
                if !reserved.contains(candidate.as_str()) && used.insert(candidate.clone()) {
                    return ToolName::from_built(candidate);
                }
                n += 1;
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(
        operation_id: Option<&'static str>,
        method: HttpMethod,
        path: &'static str,
    ) -> NameInput<'static> {
        NameInput {
            operation_id,
            method,
            path,
            overridden: None,
        }
    }

    fn names(inputs: &[NameInput<'_>]) -> Vec<String> {
        assign(inputs)
            .into_iter()
            .map(|n| n.as_str().to_owned())
            .collect()
    }

    fn one(operation_id: Option<&'static str>, method: HttpMethod, path: &'static str) -> String {
        names(&[input(operation_id, method, path)]).remove(0)
    }

    #[test]
    fn tool_name_constructor_validates() {
        assert!(ToolName::new("list_tasks").is_ok());
        assert!(ToolName::new("a-b_C9").is_ok());
        assert_eq!(ToolName::new(""), Err(InvalidToolName::Empty));
        assert_eq!(
            ToolName::new("a b"),
            Err(InvalidToolName::InvalidChar { ch: ' ' })
        );
        assert_eq!(
            ToolName::new("repos/get"),
            Err(InvalidToolName::InvalidChar { ch: '/' })
        );
        assert_eq!(
            ToolName::new("a".repeat(65)),
            Err(InvalidToolName::TooLong { len: 65 })
        );
        assert!(ToolName::new("a".repeat(64)).is_ok());
    }

    #[test]
    fn recovers_fastapi_function_names() {
        assert_eq!(
            one(Some("create_task_tasks_post"), HttpMethod::Post, "/tasks"),
            "create_task"
        );
        assert_eq!(
            one(
                Some("get_task_tasks__task_id__get"),
                HttpMethod::Get,
                "/tasks/{task_id}"
            ),
            "get_task"
        );
        // Trailing slash and a dash in the path.
        assert_eq!(
            one(Some("read_items_items__get"), HttpMethod::Get, "/items/"),
            "read_items"
        );
        assert_eq!(
            one(Some("do_it_a_b_c_delete"), HttpMethod::Delete, "/a-b/c"),
            "do_it",
            "`-` is `\\W` too"
        );
    }

    #[test]
    fn fastapi_suffix_must_match_this_operation() {
        // Same id under another method or path: not FastAPI's default here.
        assert_eq!(
            one(Some("create_task_tasks_post"), HttpMethod::Put, "/tasks"),
            "create_task_tasks_post"
        );
        assert_eq!(
            one(Some("create_task_tasks_post"), HttpMethod::Post, "/task"),
            "create_task_tasks_post"
        );
        // The suffix alone leaves nothing to recover.
        assert_eq!(
            one(Some("_tasks_post"), HttpMethod::Post, "/tasks"),
            "tasks_post"
        );
        assert_eq!(
            fastapi_function_name("_tasks_post", HttpMethod::Post, "/tasks"),
            None
        );
    }

    #[test]
    fn fastapi_recovery_is_unicode_aware_like_python() {
        // Python's `\w` keeps `é`, so FastAPI leaves it in the id; we then
        // clean the recovered name.
        assert_eq!(
            fastapi_function_name("lire_café_café_get", HttpMethod::Get, "/café"),
            Some("lire_café")
        );
        assert_eq!(
            one(Some("lire_café_café_get"), HttpMethod::Get, "/café"),
            "lire_caf"
        );
    }

    #[test]
    fn operation_ids_are_cleaned() {
        assert_eq!(
            one(Some("repos/get-content"), HttpMethod::Get, "/x"),
            "repos_get-content"
        );
        assert_eq!(one(Some("getUser"), HttpMethod::Get, "/x"), "getUser");
        assert_eq!(one(Some("  a..b  c__"), HttpMethod::Get, "/x"), "a_b_c");
        assert_eq!(
            one(Some("2fa.verify"), HttpMethod::Post, "/x"),
            "2fa_verify",
            "leading digits kept"
        );
        assert_eq!(
            one(Some("créerTâche"), HttpMethod::Post, "/x"),
            "cr_erT_che"
        );
    }

    #[test]
    fn without_a_usable_operation_id_uses_method_and_path() {
        assert_eq!(one(None, HttpMethod::Get, "/users/{id}"), "get_users_id");
        assert_eq!(
            one(None, HttpMethod::Delete, "/users/{id}/keys/{key-id}"),
            "delete_users_id_keys_key-id"
        );
        assert_eq!(one(None, HttpMethod::Get, "/"), "get");
        // An id that cleans to nothing falls through too.
        assert_eq!(
            one(Some("获取用户"), HttpMethod::Get, "/users"),
            "get_users"
        );
        assert_eq!(one(Some("///"), HttpMethod::Post, "/users"), "post_users");
    }

    #[test]
    fn long_names_are_hashed_stably() {
        let long = "x".repeat(30) + &"y".repeat(50);
        let name = one(
            Some(Box::leak(long.clone().into_boxed_str())),
            HttpMethod::Get,
            "/x",
        );
        assert_eq!(name.len(), 64);
        assert!(name.starts_with(&"x".repeat(30)));
        let digest = Sha256::digest(long.as_bytes());
        let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        assert_eq!(&name[55..], format!("_{hash}"));
        // Unchanged when other operations are added around it.
        let id: &'static str = Box::leak(long.into_boxed_str());
        let mut many = vec![input(Some("a"), HttpMethod::Get, "/a")];
        many.push(input(Some(id), HttpMethod::Get, "/x"));
        many.push(input(Some("b"), HttpMethod::Get, "/b"));
        assert_eq!(names(&many)[1], name);
        // Exactly 64 stays as is.
        let exact: &'static str = Box::leak("z".repeat(64).into_boxed_str());
        assert_eq!(one(Some(exact), HttpMethod::Get, "/x"), exact);
    }

    #[test]
    fn hashed_prefix_does_not_end_in_underscore() {
        let id: &'static str =
            Box::leak(format!("{}_{}", "a".repeat(54), "b".repeat(20)).into_boxed_str());
        let name = one(Some(id), HttpMethod::Get, "/x");
        assert!(name.starts_with(&format!("{}_", "a".repeat(54))));
        assert!(!name.contains("__"));
        assert!(name.len() <= 64);
    }

    #[test]
    fn clashing_fastapi_names_fall_back_to_operation_ids() {
        let got = names(&[
            input(
                Some("list_items_v1_items_get"),
                HttpMethod::Get,
                "/v1/items",
            ),
            input(
                Some("list_items_v2_items_get"),
                HttpMethod::Get,
                "/v2/items",
            ),
            input(
                Some("create_item_v1_items_post"),
                HttpMethod::Post,
                "/v1/items",
            ),
        ]);
        assert_eq!(
            got,
            [
                "list_items_v1_items_get",
                "list_items_v2_items_get",
                "create_item"
            ]
        );
    }

    #[test]
    fn remaining_clashes_get_numeric_suffixes_in_document_order() {
        let got = names(&[
            input(Some("get"), HttpMethod::Get, "/a"),
            input(Some("get"), HttpMethod::Get, "/b"),
            input(None, HttpMethod::Get, "/"),
            input(Some("get_2"), HttpMethod::Get, "/c"),
        ]);
        // `get_2` belongs to the fourth operation, so the third `get` skips it.
        assert_eq!(got, ["get", "get_3", "get_4", "get_2"]);
    }

    #[test]
    fn suffixes_keep_long_names_within_64() {
        let id: &'static str = Box::leak("n".repeat(64).into_boxed_str());
        let got = names(&[
            input(Some(id), HttpMethod::Get, "/a"),
            input(Some(id), HttpMethod::Get, "/b"),
        ]);
        assert_eq!(got[0], id);
        assert_eq!(got[1].len(), 64);
        assert!(
            got[1].starts_with(&"n".repeat(53)) && got[1].ends_with("_2"),
            "{}",
            got[1]
        );

        let long: &'static str = Box::leak("m".repeat(80).into_boxed_str());
        let got = names(&[
            input(Some(long), HttpMethod::Get, "/a"),
            input(Some(long), HttpMethod::Get, "/b"),
        ]);
        assert_eq!(got[0].len(), 64);
        // The twin keeps the hash and shows its number.
        let hash = &got[0][55..];
        assert_eq!(got[1], format!("{}{hash}_2", "m".repeat(53)));
    }

    #[test]
    fn overrides_win_and_others_move_aside() {
        let mut inputs = vec![
            input(Some("list_tasks_tasks_get"), HttpMethod::Get, "/tasks"),
            input(Some("other"), HttpMethod::Get, "/other"),
        ];
        inputs[1].overridden = Some(ToolName::new("list_tasks").unwrap_or_else(|e| panic!("{e}")));
        // The recovered FastAPI name clashes with the override, so it goes
        // back to its operationId.
        assert_eq!(names(&inputs), ["list_tasks_tasks_get", "list_tasks"]);

        let mut inputs = vec![
            input(Some("listTasks"), HttpMethod::Get, "/tasks"),
            input(Some("other"), HttpMethod::Get, "/other"),
        ];
        inputs[1].overridden = Some(ToolName::new("listTasks").unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(names(&inputs), ["listTasks_2", "listTasks"]);
    }
}
