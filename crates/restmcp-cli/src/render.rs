//! Renders an error chain for people: `error:` with the top message and one
//! `Caused by:` per source. Library errors already say what to do, so there
//! is no separate hint channel.

use std::process::ExitCode;

/// Prints `err` to stderr and returns the failure exit status.
pub fn error(err: &anyhow::Error) -> ExitCode {
    eprintln!("{}", format_error(err));
    ExitCode::FAILURE
}

fn format_error(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err}");
    for cause in err.chain().skip(1) {
        out.push_str("\n  Caused by: ");
        out.push_str(&indent(&cause.to_string()));
    }
    out
}

/// Continues multi-line messages (a Python traceback tail) under the first line.
fn indent(text: &str) -> String {
    text.replace('\n', "\n    ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_chain_with_indented_continuations() {
        let err = anyhow::anyhow!("line one\nline two").context("Failed to load `x`");
        assert_eq!(
            format_error(&err),
            "error: Failed to load `x`\n  Caused by: line one\n    line two"
        );
    }
}
