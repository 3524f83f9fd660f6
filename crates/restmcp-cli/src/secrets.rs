//! Secret references: how every option that carries a secret names it.
//! `env:NAME` (or a bare `NAME`) reads an environment variable, `file:PATH`
//! reads a file (trailing newline dropped). A secret is never written on
//! the command line or in `restmcp.toml` itself, so it cannot leak through
//! shell history, `ps` or a committed config file.
//!
//! Owns: parsing references and reading them; errors name the variable or
//! file, never a value.

use anyhow::{Context as _, bail};
use restmcp_gateway::Secret;

/// Reads the secret `reference` points to. `what` names the option for
/// messages, e.g. `--service-token`.
pub fn read(reference: &str, what: &str) -> anyhow::Result<Secret> {
    let reference = reference.trim();
    if let Some(path) = reference.strip_prefix("file:") {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("{what}: failed to read the secret file `{path}`; check the path and its permissions")
        })?;
        let value = text.trim_end_matches(['\n', '\r']).to_owned();
        if value.is_empty() {
            bail!("{what}: the secret file `{path}` is empty; put the secret in it");
        }
        return Ok(Secret {
            value,
            source: format!("file {path}"),
        });
    }
    let name = reference.strip_prefix("env:").unwrap_or(reference);
    if !is_env_name(name) {
        // Never echo it: this may be a secret pasted where its name belongs.
        bail!(
            "{what}: expected `env:NAME` or `file:PATH` naming where the secret is, not the secret itself; e.g. `env:SERVICE_AUTH_TOKEN`"
        );
    }
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(Secret {
            value,
            source: name.to_owned(),
        }),
        Ok(_) => bail!("{what}: the environment variable `{name}` is empty; set it to the secret"),
        Err(_) => bail!(
            "{what}: the environment variable `{name}` is not set; export it before starting restmcp"
        ),
    }
}

/// `NAME=REFERENCE` (e.g. `X-Api-Key=env:TODO_KEY`) → (name, secret).
pub fn read_pair(spec: &str, what: &str, example: &str) -> anyhow::Result<(String, Secret)> {
    let Some((name, reference)) = spec.split_once('=') else {
        bail!("Invalid {what} value: write NAME=env:VAR or NAME=file:PATH, e.g. `{example}`");
    };
    let name = name.trim();
    if name.is_empty() {
        bail!("Invalid {what} value: the name before `=` is empty, e.g. `{example}`");
    }
    Ok((name.to_owned(), read(reference, &format!("{what} {name}"))?))
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_secret_is_not_echoed() {
        let error = read("eyJhbGciOiJSUzI1NiJ9.payload.sig", "--backend-bearer")
            .expect_err("not an env name");
        let text = format!("{error:#}");
        assert!(!text.contains("eyJ"), "{text}");
        assert!(text.contains("env:NAME"), "{text}");
    }

    #[test]
    fn files_are_read_without_the_newline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cr3t-value\n").expect("write");
        let secret = read(&format!("file:{}", path.display()), "--x").expect("read");
        assert_eq!(secret.value, "s3cr3t-value");
        assert!(secret.source.starts_with("file "));
    }

    #[test]
    fn missing_variables_are_named() {
        let error = read("env:RESTMCP_TEST_SURELY_UNSET_VAR", "--x").expect_err("unset");
        assert!(format!("{error}").contains("RESTMCP_TEST_SURELY_UNSET_VAR"));
    }
}
