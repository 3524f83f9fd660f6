//! Reading a [`Source`]: a file, an `http(s)` URL (trying `{url}/openapi.json`
//! when the URL itself does not serve a document), or a Python app whose
//! `openapi()` is called by the user's interpreter without starting a server.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::AppSource;
use crate::error::{Error, Result};
use crate::parse::parse_text;

/// How long a URL fetch or an app import may take unless told otherwise.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The script that prints an app's OpenAPI document (see its docstring).
const APP_SCRIPT: &str = include_str!("app_openapi.py");

/// How many lines of Python's stderr an import error shows.
const STDERR_LINES: usize = 15;

/// Reads a document file as text.
pub(crate) fn read_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::ReadFile {
        path: path.to_owned(),
        source,
    })
}

/// What one URL answered.
enum Answer {
    /// A parsed document with an `openapi` or `swagger` field.
    Document(Value),
    /// Anything else, described for the error message.
    Other(String),
    /// A successful answer that failed to parse (reported if nothing better turns up).
    Invalid(Error),
}

/// Fetches and parses the document at a URL, trying `{url}/openapi.json`
/// when the URL itself does not answer with one.
pub(crate) async fn fetch(text: &str, timeout: Duration) -> Result<(Value, Url)> {
    let url = Url::parse(text).map_err(|source| Error::InvalidUrl {
        url: text.to_owned(),
        source,
    })?;
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|source| Error::HttpClient { source })?;
    let first = get(&client, &url, timeout).await?;
    let first = match first {
        Answer::Document(value) => return Ok((value, url)),
        other => other,
    };
    let mut tried = vec![(url.clone(), describe_answer(&first))];
    // A base URL (`http://127.0.0.1:8000`) or an API page: FastAPI serves
    // the document at `/openapi.json`.
    if !url.path().ends_with("/openapi.json") {
        let mut fallback = url.clone();
        let path = format!("{}/openapi.json", url.path().trim_end_matches('/'));
        fallback.set_path(&path);
        fallback.set_query(None);
        fallback.set_fragment(None);
        match get(&client, &fallback, timeout).await {
            Ok(Answer::Document(value)) => return Ok((value, fallback)),
            Ok(answer) => tried.push((fallback, describe_answer(&answer))),
            Err(err) => tried.push((fallback, format!("failed: {err}"))),
        }
    }
    if let Answer::Invalid(err) = first {
        return Err(err);
    }
    let tried: Vec<String> = tried
        .iter()
        .map(|(url, what)| format!("`{url}` ({what})"))
        .collect();
    Err(Error::NoDocumentAtUrl {
        url: text.to_owned(),
        tried: tried.join(" or "),
    })
}

fn describe_answer(answer: &Answer) -> String {
    match answer {
        Answer::Document(_) => "an OpenAPI document".to_owned(),
        Answer::Other(what) => what.clone(),
        Answer::Invalid(err) => err.to_string(),
    }
}

async fn get(client: &reqwest::Client, url: &Url, timeout: Duration) -> Result<Answer> {
    let request_error = |source: reqwest::Error| {
        if source.is_timeout() {
            Error::Timeout {
                doing: format!("fetching `{url}`"),
                seconds: timeout.as_secs_f64(),
            }
        } else {
            Error::Fetch {
                url: url.to_string(),
                source,
            }
        }
    };
    let response = client
        .get(url.clone())
        .header(
            reqwest::header::ACCEPT,
            "application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.5",
        )
        .send()
        .await
        .map_err(request_error)?;
    let status = response.status();
    if !status.is_success() {
        return Ok(Answer::Other(format!("HTTP {status}")));
    }
    let is_html = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let body = response.text().await.map_err(request_error)?;
    if is_html || body.trim_start().starts_with('<') {
        return Ok(Answer::Other(
            "an HTML page, not an OpenAPI document".to_owned(),
        ));
    }
    match parse_text(&body, url.as_str()) {
        Ok(value) => {
            let is_document = value
                .as_object()
                .is_some_and(|map| map.contains_key("openapi") || map.contains_key("swagger"));
            if is_document {
                Ok(Answer::Document(value))
            } else {
                let what = match &value {
                    Value::Object(map) => {
                        let keys: Vec<String> =
                            map.keys().take(5).map(|k| format!("`{k}`")).collect();
                        format!("JSON without `openapi`: keys {}", keys.join(", "))
                    }
                    other => format!(
                        "not an OpenAPI document but {}",
                        crate::parse::describe(other)
                    ),
                };
                Ok(Answer::Other(what))
            }
        }
        Err(err) => Ok(Answer::Invalid(err)),
    }
}

/// `$VIRTUAL_ENV`'s interpreter when a virtualenv is active, else `python3`.
pub(crate) fn default_python() -> PathBuf {
    match std::env::var_os("VIRTUAL_ENV") {
        Some(venv) if !venv.is_empty() => {
            let venv = Path::new(&venv);
            if cfg!(windows) {
                venv.join("Scripts").join("python.exe")
            } else {
                venv.join("bin").join("python")
            }
        }
        _ => PathBuf::from("python3"),
    }
}

/// Runs the user's Python to print the app's document.
pub(crate) async fn run_app(app: &AppSource, timeout: Duration) -> Result<Value> {
    let python = app.interpreter();
    let app_dir = app.app_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let app_dir = std::path::absolute(&app_dir).unwrap_or(app_dir);
    let child = tokio::process::Command::new(&python)
        .arg("-c")
        .arg(APP_SCRIPT)
        .arg(&app.target)
        .arg(&app_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Don't leave `__pycache__` folders in the user's project.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONIOENCODING", "utf-8")
        // Dropping the wait on timeout kills the interpreter.
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| Error::PythonNotFound {
            python: python.clone(),
            source,
        })?;
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(err)) => {
            return Err(Error::AppFailed {
                target: app.target.clone(),
                python,
                status: "could not be waited for".to_owned(),
                stderr_tail: err.to_string(),
            });
        }
        Err(_) => {
            return Err(Error::Timeout {
                doing: format!("importing `{}` with `{}`", app.target, python.display()),
                seconds: timeout.as_secs_f64(),
            });
        }
    };
    if !output.status.success() {
        return Err(Error::AppFailed {
            target: app.target.clone(),
            python,
            status: output.status.to_string(),
            stderr_tail: tail(&String::from_utf8_lossy(&output.stderr), STDERR_LINES),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(|source| Error::AppOutput {
        target: app.target.clone(),
        source,
    })
}

/// The last `lines` lines of `text`, indented, with a note when cut.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    if all.is_empty() {
        return "    (nothing on stderr)".to_owned();
    }
    let start = all.len().saturating_sub(lines);
    let mut out = String::new();
    if start > 0 {
        out.push_str(&format!("    … ({start} earlier lines)\n"));
    }
    let shown: Vec<String> = all[start..].iter().map(|l| format!("    {l}")).collect();
    out.push_str(&shown.join("\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_last_lines() {
        let text = (1..=20)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let out = tail(&text, 3);
        assert_eq!(
            out,
            "    … (17 earlier lines)\n    line 18\n    line 19\n    line 20"
        );
        assert_eq!(tail("", 3), "    (nothing on stderr)");
    }
}
