//! Starts the user's FastAPI app under uvicorn as a child process on a free
//! loopback port, waits until it answers, and stops it with restmcp.
//!
//! The child runs `launch/serve_app.py`, which binds the port itself and
//! reports it, and exits as soon as its stdin (held by restmcp) closes — so
//! the app stops on a normal exit, on Ctrl-C, on a crash and even when
//! restmcp is killed outright.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use url::Url;

use crate::Error;

const SERVE_APP: &str = include_str!("launch/serve_app.py");

/// What to start.
#[derive(Debug, Clone)]
pub struct AppLaunch {
    /// `package.module:app`.
    pub target: String,
    /// Import root (default: the current directory).
    pub app_dir: Option<PathBuf>,
    /// The interpreter, with uvicorn and the app's dependencies.
    pub python: PathBuf,
    /// uvicorn's log level (`warning` keeps its access log quiet).
    pub log_level: String,
    /// How long the app may take to import and answer.
    pub startup_timeout: Duration,
}

/// The running app. Dropping it stops the app.
pub struct AppProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    base_url: Url,
}

impl AppProcess {
    /// Starts the app and waits until `GET /openapi.json` answers.
    pub async fn start(launch: &AppLaunch) -> Result<Self, Error> {
        let app_dir = launch.app_dir.clone().unwrap_or_else(|| PathBuf::from("."));
        let mut child = Command::new(&launch.python)
            .arg("-c")
            .arg(SERVE_APP)
            .arg(&launch.target)
            .arg(&app_dir)
            .arg(&launch.log_level)
            // Callers' inbound tokens are restmcp's to check, not the app's.
            .env_remove("RESTMCP_AUTH_TOKENS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| Error::Launch {
                message: format!(
                    "cannot run the Python interpreter `{}` ({source}); pass one with uvicorn and your app's dependencies installed using --python, or activate its virtualenv",
                    launch.python.display()
                ),
            })?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or_else(|| Error::Launch {
            message: "the app's output could not be read".to_owned(),
        })?;
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + launch.startup_timeout;
        let target = launch.target.clone();

        let port = loop {
            let line = tokio::time::timeout_at(deadline.into(), lines.next_line()).await;
            match line {
                Err(_) => {
                    return Err(Error::Launch {
                        message: format!(
                            "`{target}` did not start within {} s; raise --load-timeout if it is slow to import",
                            launch.startup_timeout.as_secs()
                        ),
                    });
                }
                Ok(Ok(Some(line))) => {
                    if let Some(port) = parse_port(&line) {
                        break port;
                    }
                    // The app printed something while importing: pass it on.
                    eprintln!("{line}");
                }
                Ok(Ok(None)) | Ok(Err(_)) => {
                    let status = child.wait().await.ok().and_then(|s| s.code());
                    return Err(Error::Launch {
                        message: format!(
                            "`{target}` exited before serving (exit code {}); its error is printed above. Check the import path (--app-dir) and that uvicorn is installed for {}",
                            status.map_or_else(|| "unknown".to_owned(), |c| c.to_string()),
                            launch.python.display()
                        ),
                    });
                }
            }
        };
        // Keep draining the app's stdout into our stderr (stdout may be the
        // MCP channel).
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("{line}");
            }
        });
        let base_url =
            Url::parse(&format!("http://127.0.0.1:{port}")).map_err(|e| Error::Launch {
                message: format!("bad port from the launcher: {e}"),
            })?;
        let process = Self {
            child,
            stdin,
            base_url,
        };
        process.wait_until_answering(deadline, &target).await?;
        Ok(process)
    }

    /// Where the app listens, e.g. `http://127.0.0.1:40123`.
    #[must_use]
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    async fn wait_until_answering(&self, deadline: Instant, target: &str) -> Result<(), Error> {
        let client = reqwest::Client::new();
        let url = self
            .base_url
            .join("/openapi.json")
            .map_err(|e| Error::Launch {
                message: e.to_string(),
            })?;
        let mut delay = Duration::from_millis(20);
        loop {
            if let Ok(response) = client
                .get(url.clone())
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && response.status().as_u16() < 500
            {
                return Ok(());
            }
            if Instant::now() + delay > deadline {
                return Err(Error::Launch {
                    message: format!("`{target}` started but did not answer HTTP at {url} in time"),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(250));
        }
    }

    /// Stops the app: closes its stdin (it exits at once), then kills it if
    /// it is still there after a second.
    pub async fn stop(mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.shutdown().await;
        }
        if tokio::time::timeout(Duration::from_secs(1), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

fn parse_port(line: &str) -> Option<u16> {
    let value: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
    u16::try_from(value.get("port")?.as_u64()?).ok()
}
