//! `restmcp.toml`: the `serve` options in a file (`--config PATH` or
//! `RESTMCP_CONFIG`). Every key is a long flag of `restmcp serve` (`port =
//! 8765`, `allowed-origin = ["https://a.example"]`, `stateless = true`; `_`
//! and `-` are the same), so every option has one name in all three places.
//!
//! Owns: reading the file and merging it under the command line:
//! a flag on the command line wins, then its environment variable, then the
//! file, then the default. Lists from the file are used only when the
//! command line gives none. Secrets cannot be written in the file: every
//! option that carries one takes `env:NAME` or `file:PATH` (see `secrets`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::CommandFactory as _;
use clap::parser::ValueSource;

use crate::args::Cli;

/// The command line with the config file's options added where the command
/// line and environment left them unset. Unchanged when there is no
/// `serve --config` (or `RESTMCP_CONFIG` for `serve`).
pub fn merged_args(argv: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let lenient = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(argv.clone());
    let Ok(matches) = lenient else {
        return Ok(argv);
    };
    let Some(("serve", serve)) = matches.subcommand() else {
        return Ok(argv);
    };
    let path = match serve.get_one::<PathBuf>("config") {
        Some(path) => path.clone(),
        None => return Ok(argv),
    };
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "Failed to read the config file {}: check the --config path (or RESTMCP_CONFIG)",
            path.display()
        )
    })?;
    let table: toml::Table = toml::from_str(&text).with_context(|| {
        format!(
            "Failed to parse the config file {} as TOML: fix the line named above",
            path.display()
        )
    })?;

    let command = Cli::command();
    let Some(serve_command) = command.find_subcommand("serve") else {
        return Ok(argv);
    };
    let mut added: Vec<OsString> = Vec::new();
    for (key, value) in &table {
        let flag = key.replace('_', "-");
        let arg = serve_command
            .get_arguments()
            .find(|a| {
                a.get_long() == Some(flag.as_str())
                    || (a.is_positional() && a.get_id() == flag.as_str())
            })
            .with_context(|| unknown_key(&path, key))?;
        if flag == "config" {
            bail!(
                "{}: `config` cannot name another config file; merge the two files",
                path.display()
            );
        }
        let id = arg.get_id().as_str();
        if matches!(
            serve.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let values = scalars(&path, key, value)?;
        let takes_value = arg.get_action().takes_values();
        if arg.is_positional() {
            added.extend(values.into_iter().map(OsString::from));
            continue;
        }
        for value in values {
            if takes_value {
                added.push(format!("--{flag}={value}").into());
            } else {
                match value.as_str() {
                    "true" => added.push(format!("--{flag}").into()),
                    "false" => {}
                    _ => bail!(
                        "{}: `{key}` is a switch; write `{key} = true` or `{key} = false`",
                        path.display()
                    ),
                }
            }
        }
    }
    // Insert right after `serve`, so the command line's own words follow.
    let at = argv
        .iter()
        .position(|a| a == "serve")
        .map_or(argv.len(), |i| i + 1);
    let mut out = argv;
    out.splice(at..at, added);
    Ok(out)
}

fn unknown_key(path: &Path, key: &str) -> String {
    format!(
        "Unknown key `{key}` in {}: keys are the long flags of `restmcp serve` without the dashes' prefix (see `restmcp serve --help`), e.g. `port = 8765`. Secrets are never written in the file: name them as `env:NAME` or `file:PATH`",
        path.display()
    )
}

/// A TOML value as flag values: strings, numbers and booleans; an array
/// of those repeats the flag.
fn scalars(path: &Path, key: &str, value: &toml::Value) -> anyhow::Result<Vec<String>> {
    let one = |v: &toml::Value| -> anyhow::Result<String> {
        Ok(match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => bail!(
                "{}: `{key}` must be a string, number, boolean or a list of those",
                path.display()
            ),
        })
    };
    match value {
        toml::Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}
