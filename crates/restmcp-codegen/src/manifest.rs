//! Writing a project without losing work: a non-empty folder needs
//! `--force`; with it, `.restmcp-manifest.json` (content hashes of what was
//! generated last time) tells which files the user edited since, and those
//! are kept, not overwritten.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The manifest's file name, at the project root.
pub const MANIFEST: &str = ".restmcp-manifest.json";

/// What restmcp remembers about a project it wrote.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The generator's options, so that `add-tool` renders alike.
    pub options: BTreeMap<String, String>,
    /// Relative path → SHA-256 (hex) of the content restmcp generated.
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// Reads `dir`'s manifest; `None` when there is none.
    ///
    /// # Errors
    /// An unreadable or malformed manifest.
    pub fn read(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(MANIFEST);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|source| Error::Manifest { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Read { path, source }),
        }
    }

    /// Writes it (sorted keys, trailing newline: deterministic).
    ///
    /// # Errors
    /// A write failure.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        write_file(&dir.join(MANIFEST), &text)
    }
}

/// SHA-256 of a text, hex.
#[must_use]
pub fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a write did, file by file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files written (new or regenerated).
    pub written: Vec<String>,
    /// Files already identical.
    pub unchanged: Vec<String>,
    /// Files the user edited since the last generation: kept as they are.
    pub kept: Vec<String>,
}

/// Writes `files` (relative path → content) under `out`.
///
/// # Errors
/// `out` is not empty and `force` is false; a read or write fails.
pub fn write_project(
    out: &Path,
    files: &BTreeMap<String, String>,
    options: &BTreeMap<String, String>,
    force: bool,
) -> Result<WriteReport> {
    let non_empty = match std::fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(source) => {
            return Err(Error::Read {
                path: out.to_owned(),
                source,
            });
        }
    };
    if non_empty && !force {
        return Err(Error::OutNotEmpty {
            path: out.to_owned(),
        });
    }
    let previous = Manifest::read(out)?.unwrap_or_default();
    let mut report = WriteReport::default();
    let mut manifest = Manifest {
        options: options.clone(),
        files: BTreeMap::new(),
    };
    for (rel, content) in files {
        let path = out.join(rel);
        manifest.files.insert(rel.clone(), hash(content));
        match read_optional(&path)? {
            None => {
                write_file(&path, content)?;
                report.written.push(rel.clone());
            }
            Some(disk) if disk == *content => report.unchanged.push(rel.clone()),
            Some(disk) => {
                if previous.files.get(rel) == Some(&hash(&disk)) {
                    write_file(&path, content)?;
                    report.written.push(rel.clone());
                } else {
                    report.kept.push(rel.clone());
                }
            }
        }
    }
    manifest.write(out)?;
    Ok(report)
}

/// A file's text, or `None` when it does not exist.
///
/// # Errors
/// Any other read failure.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes a file, creating its folders.
///
/// # Errors
/// A write failure, naming the path.
pub fn write_file(path: &Path, content: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: PathBuf::from(parent),
            source,
        })?;
    }
    std::fs::write(path, content).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_then_keeps_edits() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|source| Error::Read {
            path: PathBuf::new(),
            source,
        })?;
        let out = dir.path();
        let mut files = BTreeMap::new();
        files.insert("a.py".to_owned(), "A\n".to_owned());
        files.insert("b.py".to_owned(), "B\n".to_owned());
        let opts = BTreeMap::new();
        let first = write_project(out, &files, &opts, false)?;
        assert_eq!(first.written.len(), 2);
        assert!(matches!(
            write_project(out, &files, &opts, false),
            Err(Error::OutNotEmpty { .. })
        ));
        std::fs::write(out.join("a.py"), "edited\n").map_err(|source| Error::Write {
            path: PathBuf::new(),
            source,
        })?;
        files.insert("b.py".to_owned(), "B2\n".to_owned());
        let second = write_project(out, &files, &opts, true)?;
        assert_eq!(second.kept, vec!["a.py".to_owned()]);
        assert_eq!(second.written, vec!["b.py".to_owned()]);
        assert_eq!(
            read_optional(&out.join("a.py"))?.as_deref(),
            Some("edited\n")
        );
        Ok(())
    }
}
