//! The security review's evidence: each check is a shell command (GNU grep)
//! and the result that command gives on the generated files, computed here
//! by scanning the rendered text the same way, so SECURITY_REVIEW.md can
//! state both, by file and line, and a test can run the command to confirm.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::options::{AuthPattern, Structure};

/// One check of SECURITY_REVIEW.md.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Heading.
    pub title: String,
    /// What it verifies and why it matters.
    pub what: String,
    /// The verification command, run from the project root.
    pub command: String,
    /// Its output at generation time (empty: no output).
    pub result: String,
    /// Whether that result is the wanted one.
    pub pass: bool,
    /// What the reader should see.
    pub expect: String,
}

/// The `.py` files a check scans: `(label for commands, path prefix)`.
fn code_scope(structure: Structure) -> (&'static str, Vec<&'static str>) {
    match structure {
        Structure::Modular => ("src", vec!["src/"]),
        Structure::Simple => (
            "main.py tools.py client.py config.py",
            vec!["main.py", "tools.py", "client.py", "config.py"],
        ),
    }
}

fn in_scope(path: &str, prefixes: &[&str]) -> bool {
    path.ends_with(".py")
        && prefixes.iter().any(|p| {
            if p.ends_with('/') {
                path.starts_with(p)
            } else {
                path == *p
            }
        })
}

/// `path:line:text` for every line `matches` accepts, sorted like `LC_ALL=C sort`.
fn scan(
    files: &BTreeMap<String, String>,
    prefixes: &[&str],
    matches: impl Fn(&str) -> bool,
) -> String {
    let mut lines = Vec::new();
    for (path, text) in files {
        if !in_scope(path, prefixes) {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if matches(line) {
                lines.push(format!("{path}:{}:{line}", i + 1));
            }
        }
    }
    lines.sort();
    lines.join("\n")
}

const LOG_CALLS: [&str; 6] = [
    "debug(",
    "info(",
    "warning(",
    "error(",
    "exception(",
    "critical(",
];
const SECRET_WORDS: [&str; 5] = ["token", "secret", "password", "authorization", "cookie"];

/// A logging call on this line mentions a secret-looking word after it
/// (`grep -iE 'log(ger)?\.(debug|…)\(.*(token|…)'`).
fn logs_secret(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    for prefix in ["logger.", "log."] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(prefix) {
            let start = from + pos + prefix.len();
            for call in LOG_CALLS {
                if lower[start..].starts_with(call) {
                    let rest = &lower[start + call.len()..];
                    if SECRET_WORDS.iter().any(|w| rest.contains(w)) {
                        return true;
                    }
                }
            }
            from = start;
        }
    }
    false
}

/// Runs every check over the rendered files.
#[must_use]
pub fn checks(
    files: &BTreeMap<String, String>,
    structure: Structure,
    auth: AuthPattern,
) -> Vec<Check> {
    let (label, scope) = code_scope(structure);
    let include = if structure == Structure::Modular {
        " --include='*.py'"
    } else {
        ""
    };
    let recurse = if structure == Structure::Modular {
        "r"
    } else {
        ""
    };
    let mut checks = Vec::new();

    if auth == AuthPattern::Service {
        let result = scan(files, &["backend_patch/"], |l| {
            l.contains("hmac.compare_digest")
        });
        checks.push(Check {
            title: "Constant-time token comparison".into(),
            what: "The backend accepts the service token only through `hmac.compare_digest`, whose running time does not depend on where the first differing character is (no timing attack on SERVICE_AUTH_TOKEN). The MCP server itself only sends the token.".into(),
            command: "grep -rnHF --include='*.py' 'hmac.compare_digest' backend_patch | LC_ALL=C sort".into(),
            pass: !result.is_empty(),
            result,
            expect: "at least one line, in `backend_patch/service_auth.py`".into(),
        });
    }
    let result = scan(files, &scope, |l| {
        l.contains(".get_secret_value() ==") || l.contains("== settings.")
    });
    checks.push(Check {
        title: "No plain comparison of secrets".into(),
        what: "The server never compares a secret with `==` (which can leak timing); secrets are only read to be sent.".into(),
        command: format!("grep -{recurse}nHF{include} -e '.get_secret_value() ==' -e '== settings.' {label} | LC_ALL=C sort"),
        pass: result.is_empty(),
        result,
        expect: "no output".into(),
    });
    let result = scan(files, &scope, logs_secret);
    checks.push(Check {
        title: "Tokens are never logged".into(),
        what: "No logging call mentions a token, secret, password, cookie or Authorization value. Audit records carry the tool, method, endpoint, status, user id, duration and attempt only.".into(),
        command: format!("grep -{recurse}nHiE{include} 'log(ger)?\\.(debug|info|warning|error|exception|critical)\\(.*(token|secret|password|authorization|cookie)' {label} | LC_ALL=C sort"),
        pass: result.is_empty(),
        result,
        expect: "no output".into(),
    });
    let result = scan(files, &scope, |l| l.contains("SecretStr"));
    checks.push(Check {
        title: "Secrets come from the environment only".into(),
        what: "Every credential is a pydantic `SecretStr` setting read from the environment (or `.env`), masked in `repr` and logs; none is written in the code, and `.env.example` leaves every secret empty.".into(),
        command: format!("grep -{recurse}nHF{include} 'SecretStr' {label} | LC_ALL=C sort"),
        pass: true,
        result,
        expect: "the settings fields that hold credentials (none for a backend without credentials)".into(),
    });
    let env_lines: Vec<String> = files
        .get(".env.example")
        .map(|t| {
            t.lines()
                .enumerate()
                .filter(|(_, l)| {
                    let Some((key, value)) = l.split_once('=') else {
                        return false;
                    };
                    // The key names a secret itself (`SESSION_COOKIE`), not
                    // something about one (`SESSION_COOKIE_NAME=session`).
                    !value.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                        && ["TOKEN", "COOKIE", "SECRET", "PASSWORD"]
                            .iter()
                            .any(|s| key.ends_with(s))
                })
                .map(|(i, l)| format!("{}:{l}", i + 1))
                .collect()
        })
        .unwrap_or_default();
    let result = env_lines.join("\n");
    checks.push(Check {
        title: "No secret values in `.env.example`".into(),
        what: "The example environment names each secret but leaves its value empty.".into(),
        command: "grep -nE '^[A-Z0-9_]*(TOKEN|COOKIE|SECRET|PASSWORD)=.+' .env.example".into(),
        pass: result.is_empty(),
        result,
        expect: "no output".into(),
    });
    let result = scan(files, &scope, |l| l.contains("\"tool_call\""));
    checks.push(Check {
        title: "Audit logging".into(),
        what: "Every tool call writes one JSON record on stderr (`tool_call`): timestamp, tool, method, endpoint, status_code, user_id, duration_ms, attempts, error_type.".into(),
        command: format!("grep -{recurse}nHF{include} '\"tool_call\"' {label} | LC_ALL=C sort"),
        pass: !result.is_empty(),
        result,
        expect: "the audit call in the client".into(),
    });
    let tool_scope: Vec<&str> = match structure {
        Structure::Modular => vec!["src/tools/"],
        Structure::Simple => vec!["tools.py"],
    };
    let count = files
        .iter()
        .filter(|(p, _)| in_scope(p, &tool_scope))
        .map(|(_, t)| t.lines().filter(|l| l.contains("Field(")).count())
        .sum::<usize>();
    checks.push(Check {
        title: "Input validation".into(),
        what: "Every tool argument is declared with a type and a pydantic `Field` (description, and the spec's bounds and lengths); FastMCP validates arguments before the tool runs, and the backend validates again.".into(),
        command: match structure {
            Structure::Modular => "grep -rhF --include='*.py' 'Field(' src/tools | wc -l".into(),
            Structure::Simple => "grep -hF 'Field(' tools.py | wc -l".into(),
        },
        pass: true,
        result: count.to_string(),
        expect: "one `Field(` per tool argument".into(),
    });
    let result = scan(files, &scope, |l| l.contains("def sanitize("));
    checks.push(Check {
        title: "Error sanitization".into(),
        what: "Errors carry the taxonomy's type, a message, details and suggestions. Backend text is passed through `sanitize`, which removes every configured secret value, and request headers are never copied into errors.".into(),
        command: format!("grep -{recurse}nHF{include} 'def sanitize(' {label} | LC_ALL=C sort"),
        pass: !result.is_empty(),
        result,
        expect: "the sanitizer in the client".into(),
    });
    let result = scan(files, &scope, |l| l.contains("request.headers"));
    checks.push(Check {
        title: "Request headers stay out of errors and logs".into(),
        what: "No code reads the outgoing request's headers back (where the credentials are) to report them.".into(),
        command: format!("grep -{recurse}nHF{include} 'request.headers' {label} | LC_ALL=C sort"),
        pass: result.is_empty(),
        result,
        expect: "no output".into(),
    });
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_logging_is_seen() {
        assert!(logs_secret("    logger.info(\"sent token %s\", t)"));
        assert!(!logs_secret("    logger.info(\"tool_call\", extra=record)"));
        assert!(!logs_secret("token = 1  # logger.info("));
    }
}
