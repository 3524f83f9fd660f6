//! `$ref` resolution: parsing references (JSON-pointer escapes, percent
//! encoding), the table of components that get inlined (memoized, with cycle
//! detection), schema refs rewritten to `#/components/schemas/Name` (hoisting
//! refs to deeper pointers under a derived name), and external files (only
//! with `allow_external_refs`, only below the document's own folder).
//!
//! The walk over the document is `normalize.rs`'s; this module answers "what
//! does this `$ref` point at" and keeps the results so each target is read and
//! normalized once.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::SourceVersion;
use crate::error::{Error, Result};
use crate::normalize::At;
use crate::parse::{parse_text, push_escaped, short};

/// Where every schema ref points after normalization.
pub(crate) const SCHEMAS: &str = "#/components/schemas/";

/// The component kinds of OpenAPI 3.x that are inlined where they are used.
const INLINED_KINDS: [&str; 9] = [
    "parameters",
    "requestBodies",
    "responses",
    "headers",
    "examples",
    "links",
    "callbacks",
    "pathItems",
    "securitySchemes",
];

/// What a non-schema `$ref` is expected to point at (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Parameter,
    RequestBody,
    Response,
    Header,
    Example,
    Link,
    Callback,
    PathItem,
    SecurityScheme,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Parameter => "a parameter",
            Kind::RequestBody => "a request body",
            Kind::Response => "a response",
            Kind::Header => "a header",
            Kind::Example => "an example",
            Kind::Link => "a link",
            Kind::Callback => "a callback",
            Kind::PathItem => "a path item",
            Kind::SecurityScheme => "a security scheme",
        }
    }
}

/// How to handle refs to other files.
#[derive(Debug)]
pub(crate) enum ExternalPolicy {
    /// `allow_external_refs` is off.
    Refuse,
    /// Allowed, but the document has no folder (loaded from a URL, an app or a string).
    NoFolder,
    /// Allowed, below the folder of this root file.
    Folder(PathBuf),
}

/// One inlined target's state.
enum Slot {
    /// Not yet normalized.
    Raw(Value),
    /// Being normalized: meeting it again is a cycle.
    InProgress,
    /// Normalized; each use gets a copy.
    Done(Value),
}

/// What `begin` hands back for a non-schema `$ref`.
pub(crate) enum Begin {
    /// Already normalized: use this copy.
    Ready(Value),
    /// First use: normalize `value` (errors inside it are reported under
    /// `key`), then give it to [`Refs::finish`].
    Normalize { value: Value, key: String },
}

/// A schema hoisted into `components/schemas` that still needs normalizing.
pub(crate) struct Hoisted {
    pub name: String,
    pub value: Value,
    /// Where it came from, for messages (`#/a/b` or `file.yaml#/a`).
    pub key: String,
}

/// What a `$ref` points at.
enum Located {
    /// A root schema component, by its name in the source.
    Schema(String),
    /// An already rewritten `#/components/schemas/{output name}`.
    Output(String),
    /// A root component of an inlined kind; the slot key.
    Component(String),
    /// Any other pointer into the root document.
    Root { key: String, tokens: Vec<String> },
    /// A pointer into another file.
    External {
        path: PathBuf,
        key: String,
        tokens: Vec<String>,
    },
}

/// An external file, parsed once.
struct ExternalFile {
    value: Value,
    /// Its folder relative to the root folder, `/`-separated, empty for the root folder.
    rel_dir: String,
    /// Its path relative to the root folder, `/`-separated.
    rel: String,
}

/// The reference table of one normalization run.
pub(crate) struct Refs {
    version: SourceVersion,
    /// Inlined targets by key (`#/components/parameters/P`, `#/paths/...`, `file.yaml#/P`).
    slots: HashMap<String, Slot>,
    /// Clones of root targets that are not plain components, taken before
    /// the document was changed (see [`prescan`]).
    snapshots: HashMap<String, Value>,
    /// Schema component names of the source.
    schema_names: HashSet<String>,
    /// Source name → output name, only for names that had to change.
    renamed: HashMap<String, String>,
    /// Every output schema name in use.
    taken: HashSet<String>,
    /// Hoisted target key → output name.
    hoisted: HashMap<String, String>,
    pending: Vec<Hoisted>,
    /// Keys being inlined, outermost first (for cycle messages).
    stack: Vec<String>,
    external: ExternalPolicy,
    /// Canonical root folder and root file, once needed.
    root: Option<(PathBuf, PathBuf)>,
    files: HashMap<PathBuf, ExternalFile>,
    pub(crate) warnings: Vec<String>,
}

impl Refs {
    /// `components` are the source's non-schema components by kind (taken
    /// out of the document); `schema_names` the names under `components/schemas`
    /// (`definitions` for Swagger 2.0).
    pub(crate) fn new(
        version: SourceVersion,
        snapshots: HashMap<String, Value>,
        components: Vec<(String, Map<String, Value>)>,
        schema_names: impl IntoIterator<Item = String>,
        external: ExternalPolicy,
    ) -> Self {
        let mut slots = HashMap::new();
        for (kind, entries) in components {
            for (name, value) in entries {
                let mut key = format!("#/components/{kind}/");
                push_escaped(&mut key, &name);
                slots.insert(key, Slot::Raw(value));
            }
        }
        let schema_names: HashSet<String> = schema_names.into_iter().collect();
        // Names outside `[A-Za-z0-9._-]` (the set OpenAPI allows) get a clean
        // one, so a ref is always the literal prefix plus the name.
        let mut taken: HashSet<String> = schema_names
            .iter()
            .filter(|n| is_clean_name(n))
            .cloned()
            .collect();
        let mut renamed = HashMap::new();
        let mut odd: Vec<&String> = schema_names.iter().filter(|n| !is_clean_name(n)).collect();
        odd.sort();
        for name in odd {
            let new = unique(&mut taken, &sanitize(name));
            renamed.insert(name.clone(), new);
        }
        let mut refs = Refs {
            version,
            slots,
            snapshots,
            schema_names,
            renamed,
            taken,
            hoisted: HashMap::new(),
            pending: Vec::new(),
            stack: Vec::new(),
            external,
            root: None,
            files: HashMap::new(),
            warnings: Vec::new(),
        };
        if !refs.renamed.is_empty() {
            let mut pairs: Vec<String> = refs
                .renamed
                .iter()
                .map(|(from, to)| format!("`{}` → `{to}`", short(from)))
                .collect();
            pairs.sort();
            let count = pairs.len();
            pairs.truncate(5);
            refs.warnings.push(format!(
                "Renamed {count} schema name(s) to fit `[A-Za-z0-9._-]`: {}{}",
                pairs.join(", "),
                if count > 5 { ", …" } else { "" }
            ));
        }
        refs
    }

    /// The output name of a source schema component.
    pub(crate) fn output_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.renamed.get(name).map_or(name, String::as_str)
    }

    /// Rewrites a schema `$ref` found at `at`. Returns the new text, or `None`
    /// when it is already `#/components/schemas/{name}` and `name` exists.
    pub(crate) fn schema_ref(&mut self, reference: &str, at: &At<'_>) -> Result<Option<String>> {
        let name = match self.locate(reference, at)? {
            Located::Schema(name) => self.output_name(&name).to_owned(),
            Located::Output(name) => name,
            Located::Component(key) => {
                return Err(Error::InvalidRef {
                    reference: reference.to_owned(),
                    pointer: at.to_string(),
                    reason: format!("it points at `{key}`, which is not a schema"),
                });
            }
            Located::Root { key, tokens } => match self.hoisted.get(&key) {
                Some(name) => name.clone(),
                None => {
                    let Some(value) = self.snapshots.get(&key).cloned() else {
                        return Err(dangling(reference, at, &key));
                    };
                    let name = unique(&mut self.taken, &derived_name(&tokens));
                    self.hoist(key, name.clone(), value);
                    name
                }
            },
            Located::External { path, key, tokens } => match self.hoisted.get(&key) {
                Some(name) => name.clone(),
                None => {
                    let value = self.external_value(&path, &tokens, reference, at)?;
                    let base = match tokens.last() {
                        Some(last) => sanitize(last),
                        None => sanitize(
                            path.file_stem()
                                .map(|s| s.to_string_lossy())
                                .as_deref()
                                .unwrap_or("Schema"),
                        ),
                    };
                    let name = unique(&mut self.taken, &base);
                    self.hoist(key, name.clone(), value);
                    name
                }
            },
        };
        if reference.len() == SCHEMAS.len() + name.len()
            && reference.starts_with(SCHEMAS)
            && reference.ends_with(&name)
        {
            Ok(None)
        } else {
            Ok(Some(format!("{SCHEMAS}{name}")))
        }
    }

    fn hoist(&mut self, key: String, name: String, value: Value) {
        self.hoisted.insert(key.clone(), name.clone());
        self.pending.push(Hoisted { name, value, key });
    }

    /// Hoisted schemas not yet handed out.
    pub(crate) fn take_pending(&mut self) -> Vec<Hoisted> {
        std::mem::take(&mut self.pending)
    }

    /// Starts inlining the non-schema `$ref` `reference` found at `at`.
    pub(crate) fn begin(&mut self, kind: Kind, reference: &str, at: &At<'_>) -> Result<Begin> {
        let (key, fresh) = match self.locate(reference, at)? {
            Located::Schema(name) | Located::Output(name) => {
                return Err(Error::InvalidRef {
                    reference: reference.to_owned(),
                    pointer: at.to_string(),
                    reason: format!(
                        "it points at the schema `{name}` where {} is expected",
                        kind.noun()
                    ),
                });
            }
            Located::Component(key) => (key, None),
            Located::Root { key, .. } => {
                let fresh = if self.slots.contains_key(&key) {
                    None
                } else {
                    let Some(value) = self.snapshots.get(&key).cloned() else {
                        return Err(dangling(reference, at, &key));
                    };
                    Some(value)
                };
                (key, fresh)
            }
            Located::External { path, key, tokens } => {
                let fresh = if self.slots.contains_key(&key) {
                    None
                } else {
                    Some(self.external_value(&path, &tokens, reference, at)?)
                };
                (key, fresh)
            }
        };
        if let Some(value) = fresh {
            self.slots.insert(key.clone(), Slot::Raw(value));
        }
        let Some(slot) = self.slots.get_mut(&key) else {
            return Err(dangling(reference, at, &key));
        };
        match std::mem::replace(slot, Slot::InProgress) {
            Slot::Done(value) => {
                *slot = Slot::Done(value.clone());
                Ok(Begin::Ready(value))
            }
            Slot::InProgress => Err(self.cycle(&key)),
            Slot::Raw(value) => {
                self.stack.push(key.clone());
                Ok(Begin::Normalize { value, key })
            }
        }
    }

    /// Stores the normalized target of [`Begin::Normalize`] and returns the
    /// value for this use.
    pub(crate) fn finish(&mut self, key: String, value: Value) -> Value {
        self.stack.pop();
        self.slots.insert(key, Slot::Done(value.clone()));
        value
    }

    /// The target of `reference` as written in the source, not normalized,
    /// and its key (used by the Swagger 2.0 conversion, which must see
    /// `in: body` parameters before they become request bodies).
    pub(crate) fn raw(&mut self, reference: &str, at: &At<'_>) -> Result<(Value, String)> {
        match self.locate(reference, at)? {
            Located::Schema(name) | Located::Output(name) => Err(Error::InvalidRef {
                reference: reference.to_owned(),
                pointer: at.to_string(),
                reason: format!(
                    "it points at the schema `{name}`, not at a parameter, response or path item"
                ),
            }),
            Located::Component(key) => match self.slots.get(&key) {
                Some(Slot::Raw(value) | Slot::Done(value)) => Ok((value.clone(), key)),
                _ => Err(dangling(reference, at, &key)),
            },
            Located::Root { key, .. } => match self.snapshots.get(&key) {
                Some(value) => Ok((value.clone(), key)),
                None => Err(dangling(reference, at, &key)),
            },
            Located::External { path, key, tokens } => {
                let value = self.external_value(&path, &tokens, reference, at)?;
                Ok((value, key))
            }
        }
    }

    fn cycle(&self, key: &str) -> Error {
        let start = self.stack.iter().position(|k| k == key).unwrap_or(0);
        let mut chain: Vec<String> = self.stack[start..]
            .iter()
            .map(|k| format!("`{k}`"))
            .collect();
        chain.push(format!("`{key}`"));
        Error::RefCycle {
            chain: chain.join(" → "),
        }
    }

    /// Works out what `reference` (found at `at`) points at.
    fn locate(&mut self, reference: &str, at: &At<'_>) -> Result<Located> {
        // Fast path: the plain form almost every schema ref has.
        if let Some(name) = reference.strip_prefix(SCHEMAS)
            && !name.contains(['/', '~', '%'])
            && !name.is_empty()
        {
            if self.version != SourceVersion::Swagger2 && self.schema_names.contains(name) {
                return Ok(Located::Schema(name.to_owned()));
            }
            if self.taken.contains(name) {
                return Ok(Located::Output(name.to_owned()));
            }
        }
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let tokens = pointer_tokens(fragment).map_err(|reason| Error::InvalidRef {
            reference: reference.to_owned(),
            pointer: at.to_string(),
            reason,
        })?;
        if file.is_empty() {
            return Ok(self.classify_root(tokens));
        }
        let path = self.external_path(file, reference, at)?;
        if self
            .root
            .as_ref()
            .is_some_and(|(_, root_file)| *root_file == path)
        {
            // A file naming the root document: the same as a `#` ref.
            return Ok(self.classify_root(tokens));
        }
        let rel = self.load_file(&path, reference, at)?.rel.clone();
        let key = format!("{rel}#{}", encode_pointer(&tokens));
        Ok(Located::External { path, key, tokens })
    }

    fn classify_root(&self, tokens: Vec<String>) -> Located {
        match (self.version, tokens.as_slice()) {
            (SourceVersion::Swagger2, [section, name]) if section == "definitions" => {
                Located::Schema(name.clone())
            }
            (SourceVersion::Swagger2, [section, name])
                if section == "parameters" || section == "responses" =>
            {
                let mut key = format!("#/components/{section}/");
                push_escaped(&mut key, name);
                Located::Component(key)
            }
            (SourceVersion::Swagger2, [c, s, name])
                if c == "components" && s == "schemas" && self.taken.contains(name) =>
            {
                Located::Output(name.clone())
            }
            (SourceVersion::OpenApi30 | SourceVersion::OpenApi31, [c, kind, name])
                if c == "components" =>
            {
                if kind == "schemas" {
                    if self.schema_names.contains(name) {
                        Located::Schema(name.clone())
                    } else if self.taken.contains(name) {
                        Located::Output(name.clone())
                    } else {
                        // Reported as dangling by the caller.
                        Located::Root {
                            key: format!("#{}", encode_pointer(&tokens)),
                            tokens,
                        }
                    }
                } else if INLINED_KINDS.contains(&kind.as_str()) {
                    let mut key = format!("#/components/{kind}/");
                    push_escaped(&mut key, name);
                    Located::Component(key)
                } else {
                    Located::Root {
                        key: format!("#{}", encode_pointer(&tokens)),
                        tokens,
                    }
                }
            }
            _ => Located::Root {
                key: format!("#{}", encode_pointer(&tokens)),
                tokens,
            },
        }
    }

    /// Checks an external file reference against the policy and returns the
    /// canonical path of the file.
    fn external_path(&mut self, file: &str, reference: &str, at: &At<'_>) -> Result<PathBuf> {
        let refused = |reason: String| Error::ExternalRefRefused {
            reference: reference.to_owned(),
            pointer: at.to_string(),
            reason,
        };
        let root_file = match &self.external {
            ExternalPolicy::Refuse => {
                return Err(Error::ExternalRef {
                    reference: reference.to_owned(),
                    pointer: at.to_string(),
                });
            }
            ExternalPolicy::NoFolder => {
                return Err(refused(
                    "only files next to a document loaded from a file are followed; save the document and its files to one folder and load it from there".to_owned(),
                ));
            }
            ExternalPolicy::Folder(root_file) => root_file.clone(),
        };
        if has_scheme(file) {
            return Err(refused(
                "remote references are never fetched; download the file next to the document and refer to it by a relative path".to_owned(),
            ));
        }
        let decoded = percent_encoding::percent_decode_str(file).decode_utf8_lossy();
        let relative = Path::new(decoded.as_ref());
        if relative.is_absolute() || decoded.starts_with('/') || decoded.starts_with('\\') {
            return Err(refused(
                "absolute paths are not followed; refer to the file by a path relative to the document".to_owned(),
            ));
        }
        let (root_dir, _) = self.root_paths(&root_file, reference, at)?;
        let joined = root_dir.join(relative);
        let canonical = joined
            .canonicalize()
            .map_err(|source| Error::ExternalFile {
                reference: reference.to_owned(),
                pointer: at.to_string(),
                path: joined.clone(),
                source: Box::new(Error::ReadFile {
                    path: joined.clone(),
                    source,
                }),
            })?;
        if !canonical.starts_with(&root_dir) {
            return Err(refused(format!(
                "`{}` is outside the document's folder `{}`; only files in that folder and below are followed, so move the file there",
                canonical.display(),
                root_dir.display()
            )));
        }
        Ok(canonical)
    }

    /// The canonical root folder and file, computed once.
    fn root_paths(
        &mut self,
        root_file: &Path,
        reference: &str,
        at: &At<'_>,
    ) -> Result<(PathBuf, PathBuf)> {
        if let Some(root) = &self.root {
            return Ok(root.clone());
        }
        let canonical = root_file
            .canonicalize()
            .map_err(|source| Error::ExternalFile {
                reference: reference.to_owned(),
                pointer: at.to_string(),
                path: root_file.to_owned(),
                source: Box::new(Error::ReadFile {
                    path: root_file.to_owned(),
                    source,
                }),
            })?;
        let dir = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        self.root = Some((dir.clone(), canonical.clone()));
        Ok((dir, canonical))
    }

    fn load_file(&mut self, path: &Path, reference: &str, at: &At<'_>) -> Result<&ExternalFile> {
        if !self.files.contains_key(path) {
            let wrap = |source: Error| Error::ExternalFile {
                reference: reference.to_owned(),
                pointer: at.to_string(),
                path: path.to_owned(),
                source: Box::new(source),
            };
            let text = std::fs::read_to_string(path).map_err(|source| {
                wrap(Error::ReadFile {
                    path: path.to_owned(),
                    source,
                })
            })?;
            let value = parse_text(&text, &path.display().to_string()).map_err(wrap)?;
            let root_dir = self
                .root
                .as_ref()
                .map(|(dir, _)| dir.clone())
                .unwrap_or_default();
            let rel_path = path.strip_prefix(&root_dir).unwrap_or(path);
            let rel = slash_path(rel_path);
            let rel_dir = rel_path.parent().map(slash_path).unwrap_or_default();
            self.files.insert(
                path.to_owned(),
                ExternalFile {
                    value,
                    rel_dir,
                    rel,
                },
            );
        }
        self.files
            .get(path)
            .ok_or_else(|| dangling(reference, at, &path.display().to_string()))
    }

    /// A copy of the target in an external file, with its refs rewritten to
    /// be relative to the root document (so they resolve the same from there).
    fn external_value(
        &mut self,
        path: &Path,
        tokens: &[String],
        reference: &str,
        at: &At<'_>,
    ) -> Result<Value> {
        let file = self.load_file(path, reference, at)?;
        let Some(target) = lookup(&file.value, tokens) else {
            return Err(dangling(
                reference,
                at,
                &format!("{}#{}", file.rel, encode_pointer(tokens)),
            ));
        };
        let mut value = target.clone();
        rebase(&mut value, &file.rel, &file.rel_dir);
        Ok(value)
    }
}

fn dangling(reference: &str, at: &At<'_>, key: &str) -> Error {
    Error::DanglingRef {
        reference: reference.to_owned(),
        pointer: at.to_string(),
        reason: format!("`{key}` does not exist"),
    }
}

/// Splits a (possibly percent-encoded) fragment into unescaped pointer tokens.
fn pointer_tokens(fragment: &str) -> std::result::Result<Vec<String>, String> {
    let decoded = if fragment.contains('%') {
        percent_encoding::percent_decode_str(fragment)
            .decode_utf8()
            .map_err(|_| "its percent-encoding is not UTF-8".to_owned())?
    } else {
        fragment.into()
    };
    if decoded.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = decoded.strip_prefix('/') else {
        return Err(format!(
            "the fragment `#{}` is not a JSON pointer (anchors are not supported)",
            short(&decoded)
        ));
    };
    rest.split('/')
        .map(|token| {
            if token.contains('~') {
                let mut out = String::with_capacity(token.len());
                let mut chars = token.chars();
                while let Some(c) = chars.next() {
                    if c == '~' {
                        match chars.next() {
                            Some('0') => out.push('~'),
                            Some('1') => out.push('/'),
                            _ => {
                                return Err(format!(
                                    "`{}` has a `~` not followed by `0` or `1`",
                                    short(token)
                                ));
                            }
                        }
                    } else {
                        out.push(c);
                    }
                }
                Ok(out)
            } else {
                Ok(token.to_owned())
            }
        })
        .collect()
}

/// Re-escapes tokens as `/a/b~1c` (no percent-encoding).
fn encode_pointer(tokens: &[String]) -> String {
    let mut out = String::new();
    for token in tokens {
        out.push('/');
        push_escaped(&mut out, token);
    }
    out
}

/// Follows unescaped tokens into a value.
pub(crate) fn lookup<'a>(value: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens
        .iter()
        .try_fold(value, |current, token| match current {
            Value::Object(map) => map.get(token),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
}

/// Whether a root pointer is a plain component (`#/components/{kind}/{name}`,
/// Swagger's `#/definitions/{name}` …), which needs no copy-ahead.
fn is_plain(tokens: &[String], version: SourceVersion) -> bool {
    match (version, tokens) {
        (SourceVersion::Swagger2, [section, _]) => {
            matches!(section.as_str(), "definitions" | "parameters" | "responses")
        }
        (SourceVersion::OpenApi30 | SourceVersion::OpenApi31, [c, kind, _]) => {
            c == "components" && (kind == "schemas" || INLINED_KINDS.contains(&kind.as_str()))
        }
        _ => false,
    }
}

/// Whether the JSON `text` may hold a `$ref` that [`prescan`] must copy.
/// Scanning the text is several times cheaper than walking the parsed tree,
/// and almost every document has only plain component refs. Conservative:
/// YAML, escaped keys or escaped ref values answer `true`.
pub(crate) fn may_need_prescan(text: &str, version: SourceVersion) -> bool {
    if !text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with(['{', '['])
    {
        return true;
    }
    let bytes = text.as_bytes();
    // `"\u0024ref"` and friends would hide a key from the search below.
    for i in memchr::memmem::find_iter(bytes, b"\\u00") {
        if matches!(bytes.get(i + 4..i + 6), Some(b"24" | b"72" | b"65" | b"66")) {
            return true;
        }
    }
    for i in memchr::memmem::find_iter(bytes, b"\"$ref\"") {
        let Some(rest) = text.get(i + 6..) else {
            return true;
        };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find('"') else {
            return true;
        };
        let reference = &rest[..end];
        if reference.contains('\\') {
            return true;
        }
        if let Some(fragment) = reference.strip_prefix('#') {
            match pointer_tokens(fragment) {
                Ok(tokens) if is_plain(&tokens, version) => {}
                _ => return true,
            }
        }
    }
    false
}

/// Copies every root target that is not a plain component (`#/paths/...`,
/// `#/components/schemas/A/properties/b`) before the document changes, so
/// those refs resolve against the source as written. Plain components are
/// looked up in the component table instead; external refs are not touched.
pub(crate) fn prescan(doc: &Value, version: SourceVersion) -> HashMap<String, Value> {
    fn walk(value: &Value, doc: &Value, version: SourceVersion, out: &mut HashMap<String, Value>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if key == "$ref"
                        && let Value::String(reference) = child
                    {
                        note(reference, doc, version, out);
                    } else {
                        walk(child, doc, version, out);
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, doc, version, out);
                }
            }
            _ => {}
        }
    }
    fn note(
        reference: &str,
        doc: &Value,
        version: SourceVersion,
        out: &mut HashMap<String, Value>,
    ) {
        let Some(fragment) = reference.strip_prefix('#') else {
            return;
        };
        let Ok(tokens) = pointer_tokens(fragment) else {
            return;
        };
        let plain = is_plain(&tokens, version);
        if plain || tokens.is_empty() {
            return;
        }
        let key = format!("#{}", encode_pointer(&tokens));
        if !out.contains_key(&key)
            && let Some(target) = lookup(doc, &tokens)
        {
            out.insert(key, target.clone());
        }
    }
    let mut out = HashMap::new();
    walk(doc, doc, version, &mut out);
    out
}

/// Rewrites the refs of a value copied out of the external file `rel` (in
/// folder `rel_dir`) so they are relative to the root document's folder.
fn rebase(value: &mut Value, rel: &str, rel_dir: &str) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(reference) = child
                {
                    if let Some(fragment) = reference.strip_prefix('#') {
                        *reference = format!("{rel}#{fragment}");
                    } else if !rel_dir.is_empty()
                        && !has_scheme(reference)
                        && !reference.starts_with('/')
                    {
                        *reference = format!("{rel_dir}/{reference}");
                    }
                } else {
                    rebase(child, rel, rel_dir);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rebase(item, rel, rel_dir);
            }
        }
        _ => {}
    }
}

/// `http:`, `https:`, `file:` … (a scheme is letters then `:`, two or more
/// letters so a Windows drive letter is not taken for one).
fn has_scheme(reference: &str) -> bool {
    match reference.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

fn slash_path(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// OpenAPI component names: `^[a-zA-Z0-9.\-_]+$`.
pub(crate) fn is_clean_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Turns any text into a component name.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "Schema".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `base`, else `base_2`, `base_3`, … whichever is free; marks it taken.
pub(crate) fn unique(taken: &mut HashSet<String>, base: &str) -> String {
    if taken.insert(base.to_owned()) {
        return base.to_owned();
    }
    let mut n = 2;
    loop {
        let candidate = format!("{base}_{n}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// A readable name for a schema found at a deeper pointer: the tokens that
/// are not OpenAPI structure, e.g. `A_b` for `/components/schemas/A/properties/b`.
fn derived_name(tokens: &[String]) -> String {
    const STRUCTURE: [&str; 14] = [
        "components",
        "schemas",
        "definitions",
        "properties",
        "items",
        "paths",
        "content",
        "schema",
        "responses",
        "parameters",
        "requestBodies",
        "additionalProperties",
        "$defs",
        "headers",
    ];
    let parts: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| !STRUCTURE.contains(t))
        .collect();
    sanitize(&parts.join("_"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointer_tokens_unescape() {
        assert_eq!(
            pointer_tokens("/paths/~1pets~1{id}/get").unwrap(),
            ["paths", "/pets/{id}", "get"]
        );
        assert_eq!(pointer_tokens("/a~0b/c%20d").unwrap(), ["a~b", "c d"]);
        assert_eq!(
            pointer_tokens("/components/schemas/Foo%7E1Bar").unwrap(),
            ["components", "schemas", "Foo/Bar"]
        );
        assert!(pointer_tokens("anchor").is_err());
        assert!(pointer_tokens("/a~2").is_err());
        assert!(pointer_tokens("").unwrap().is_empty());
    }

    #[test]
    fn names() {
        assert_eq!(sanitize("ResponseEntity«string»"), "ResponseEntity_string");
        assert_eq!(sanitize("a b/c"), "a_b_c");
        assert_eq!(sanitize("«»"), "Schema");
        let mut taken = HashSet::from(["A".to_owned(), "A_2".to_owned()]);
        assert_eq!(unique(&mut taken, "A"), "A_3");
        assert_eq!(unique(&mut taken, "B"), "B");
        let tokens: Vec<String> = ["components", "schemas", "A", "properties", "b"]
            .map(String::from)
            .into();
        assert_eq!(derived_name(&tokens), "A_b");
        assert!(is_clean_name("Foo.Bar-1_x"));
        assert!(!is_clean_name("Foo Bar"));
    }

    #[test]
    fn schemes() {
        assert!(has_scheme("http://x/y.yaml"));
        assert!(has_scheme("file:///x"));
        assert!(!has_scheme("C:\\x.yaml"));
        assert!(!has_scheme("common/Error.yaml"));
        assert!(!has_scheme("Pet.yaml#/a:b"));
    }

    #[test]
    fn rebase_makes_refs_root_relative() {
        let mut value = json!({"a": {"$ref": "#/defs/X"}, "b": [{"$ref": "Other.yaml"}], "c": {"$ref": "http://x"}});
        rebase(&mut value, "sub/file.yaml", "sub");
        assert_eq!(
            value,
            json!({"a": {"$ref": "sub/file.yaml#/defs/X"}, "b": [{"$ref": "sub/Other.yaml"}], "c": {"$ref": "http://x"}})
        );
    }

    #[test]
    fn prescan_copies_only_unusual_targets() {
        let doc = json!({
            "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/P"}, {"$ref": "#/paths/~1b/get/parameters/0"}]}},
                      "/b": {"get": {"parameters": [{"name": "x", "in": "query"}]}}},
            "components": {"schemas": {"A": {"properties": {"b": {"$ref": "#/components/schemas/A/properties/c"}, "c": {"type": "string"}}}}}
        });
        let snap = prescan(&doc, SourceVersion::OpenApi30);
        let mut keys: Vec<_> = snap.keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "#/components/schemas/A/properties/c",
                "#/paths/~1b/get/parameters/0"
            ]
        );
    }
}
