//! Child processes (restmcp, uvicorn, the ping server) and what /proc says
//! about them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncBufReadExt as _;

pub type Error = String;

/// A child that is killed when dropped.
pub struct Proc {
    #[allow(dead_code)]
    pub name: String,
    pub child: tokio::process::Child,
    pub pid: u32,
    /// Where its stderr goes (None: inherited / not kept).
    pub log: Option<PathBuf>,
}

impl Proc {
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }

    /// Size of its stderr log so far, in bytes.
    pub fn log_bytes(&self) -> u64 {
        self.log
            .as_deref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len())
    }

    pub fn log_tail(&self) -> String {
        let Some(path) = &self.log else {
            return String::new();
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

/// A restmcp process and the URL of its MCP endpoint.
pub struct Restmcp {
    pub proc: Proc,
    pub url: String,
    /// From spawn to the "listening" log line.
    pub startup: Duration,
}

/// Starts `restmcp <args>` with stderr to `log`; `rust_log` None means the
/// product default (RUST_LOG unset). Waits for the "listening" line.
pub async fn start_restmcp(
    bin: &Path,
    args: &[String],
    env: &[(String, String)],
    rust_log: Option<&str>,
    log: PathBuf,
    name: &str,
) -> Result<Restmcp, Error> {
    let stderr = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut cmd = tokio::process::Command::new(bin);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .kill_on_drop(true);
    match rust_log {
        Some(level) => cmd.env("RUST_LOG", level),
        None => cmd.env_remove("RUST_LOG"),
    };
    let started = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let pid = child.id().unwrap_or(0);
    let mut proc = Proc {
        name: name.to_owned(),
        child,
        pid,
        log: Some(log.clone()),
    };
    let deadline = started + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        for line in text.lines() {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if value.get("message").and_then(|m| m.as_str()) == Some("listening")
                && let Some(url) = value.get("url").and_then(|u| u.as_str())
            {
                return Ok(Restmcp {
                    url: url.to_owned(),
                    startup: started.elapsed(),
                    proc,
                });
            }
        }
        if let Some(status) = proc.exited() {
            return Err(format!(
                "{name}: restmcp exited ({status}) before listening:\n{}",
                proc.log_tail()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{name}: restmcp did not log \"listening\" within 120 s:\n{}",
                proc.log_tail()
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The ping server: this binary, `ping-server` subcommand.
pub async fn start_ping() -> Result<(Proc, u16), Error> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(exe)
        .arg("ping-server")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the ping server: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .map_err(|_| "the ping server did not start within 10 s".to_owned())?
        .map_err(|e| e.to_string())?
        .ok_or("the ping server exited")?;
    let port: u16 = line.trim().parse().map_err(|_| format!("bad port `{line}`"))?;
    let pid = child.id().unwrap_or(0);
    Ok((
        Proc {
            name: "ping".into(),
            child,
            pid,
            log: None,
        },
        port,
    ))
}

/// uvicorn serving the todo example on a free port.
pub async fn start_uvicorn(repo: &Path, python: &Path, log: PathBuf) -> Result<(Proc, u16), Error> {
    let port = free_port()?;
    let stderr = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let child = tokio::process::Command::new(python)
        .current_dir(repo)
        .args(["-m", "uvicorn", "todo_app.main:app", "--app-dir", "examples/todo"])
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--log-level", "warning", "--no-access-log"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let pid = child.id().unwrap_or(0);
    let mut proc = Proc {
        name: "uvicorn".into(),
        child,
        pid,
        log: Some(log),
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("http://127.0.0.1:{port}/health");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(&url).send().await
            && r.status().is_success()
        {
            return Ok((proc, port));
        }
        if let Some(status) = proc.exited() {
            return Err(format!("uvicorn exited ({status}):\n{}", proc.log_tail()));
        }
        if Instant::now() > deadline {
            return Err(format!("uvicorn did not answer within 60 s:\n{}", proc.log_tail()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn free_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// VmRSS and VmHWM of a process, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

pub fn memory(pid: u32) -> Memory {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
    }
}

/// User + system CPU time of a process (all threads) so far.
pub fn cpu_time(pid: u32) -> Duration {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some((_, rest)) = text.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command name: state is field 3 of stat(5); utime 14, stime 15.
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    let total = ticks(11) + ticks(12);
    Duration::from_secs_f64(total as f64 / clock_ticks() as f64)
}

fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}
