//! Logs on stderr (stdout belongs to the stdio transport): JSON lines or a
//! pretty format, filtered by `RUST_LOG` (default `info`, rmcp at `warn`),
//! with every configured secret redacted from each line before it is written.

use std::io::Write;
use std::sync::Arc;

use clap::ValueEnum;
use restmcp_gateway::Redactor;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Pretty,
}

/// Installs the global subscriber (once; later calls do nothing).
pub fn init(format: LogFormat, secrets: &[String]) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn"));
    let writer = RedactingStderr {
        redactor: Arc::new(Redactor::new(secrets.to_vec())),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Pretty => builder.with_ansi(false).try_init(),
    };
}

#[derive(Clone)]
struct RedactingStderr {
    redactor: Arc<Redactor>,
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = RedactingLine;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingLine {
            redactor: Arc::clone(&self.redactor),
            buffer: Vec::new(),
        }
    }
}

/// Collects one formatted event, redacts it, writes it in one go on drop.
struct RedactingLine {
    redactor: Arc<Redactor>,
    buffer: Vec<u8>,
}

impl Write for RedactingLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingLine {
    fn drop(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buffer);
        let line = self.redactor.redact(&text);
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}
