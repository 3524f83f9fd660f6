//! Loads one document and prints what came out and how long each step took:
//! `cargo run --release -p restmcp-spec --example load -- <file|url> [--allow-external-refs] [--print] [--repeat=N]`

use std::time::Instant;

use restmcp_spec::{LoadOptions, Origin, Source};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(arg) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: load <file|url> [--allow-external-refs] [--print]");
        std::process::exit(2);
    };
    let options = LoadOptions {
        allow_external_refs: args.iter().any(|a| a == "--allow-external-refs"),
        timeout: None,
    };
    let source = Source::parse(arg);
    let started = Instant::now();
    let result = match &source {
        Source::File(path) => match std::fs::read_to_string(path) {
            Ok(text) => {
                let read = started.elapsed();
                let repeat: usize = args
                    .iter()
                    .find_map(|a| a.strip_prefix("--repeat="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                for _ in 0..repeat {
                    let t = Instant::now();
                    let result =
                        restmcp_spec::parse_str(&text, Origin::File(path.clone()), &options);
                    eprintln!("parse_str (repeat) {:?} ok={}", t.elapsed(), result.is_ok());
                    drop(result);
                    let t = Instant::now();
                    let value = serde_json::from_str::<serde_json::Value>(&text);
                    eprintln!("  serde_json::from_str alone {:?}", t.elapsed());
                    drop(value);
                }
                let parse_started = Instant::now();
                let result = restmcp_spec::parse_str(&text, Origin::File(path.clone()), &options);
                eprintln!("read {:?}, parse_str {:?}", read, parse_started.elapsed());
                result
            }
            Err(err) => {
                eprintln!("error: {err}");
                std::process::exit(1);
            }
        },
        _ => restmcp_spec::load(&source, &options).await,
    };
    match result {
        Ok(spec) => {
            eprintln!(
                "loaded `{}` (source version {}) in {:?}; base URL {:?}; {} warnings",
                spec.title().unwrap_or(""),
                spec.source_version,
                started.elapsed(),
                spec.base_url().map(String::from),
                spec.warnings.len()
            );
            for warning in &spec.warnings {
                eprintln!("warning: {warning}");
            }
            if args.iter().any(|a| a == "--print") {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&spec.document).unwrap_or_default()
                );
            }
        }
        Err(err) => {
            eprintln!("error: {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            std::process::exit(1);
        }
    }
}
