//! `restmcp serve`: loads the document (or starts the app), builds the
//! catalog and serves it over stdio or Streamable HTTP until stopped.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use restmcp_gateway::{
    AppLaunch, AppProcess, Caller, Gateway, GatewayConfig, HttpOptions, HttpServer, RetryPolicy,
};
use restmcp_spec::Source;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::args::{FilterArgs, SourceArgs};
use crate::logging::{self, LogFormat};

mod inbound;
mod outbound;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub inbound: inbound::InboundArgs,
    #[command(flatten)]
    pub outbound: outbound::OutboundArgs,

    /// Read options from this TOML file (keys are these flags' long names;
    /// the command line and environment win over it).
    #[arg(long, value_name = "PATH", env = "RESTMCP_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// The caller's id on stdio (the local user), sent to the backend in
    /// pattern 4 and injected in pattern 1; logged as `user_id`.
    #[arg(long, value_name = "ID", env = "RESTMCP_USER_ID")]
    pub user_id: Option<String>,

    /// How clients connect: `stdio` (one client, e.g. Claude Desktop) or
    /// `http` (Streamable HTTP, many clients).
    #[arg(long, value_enum, default_value_t = Transport::Stdio)]
    pub transport: Transport,
    /// Address to listen on (http). Loopback unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (http); 0 picks a free one.
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Path of the MCP endpoint (http).
    #[arg(long, default_value = "/mcp")]
    pub path: String,
    /// No sessions: every request stands alone (answers in plain JSON).
    #[arg(long)]
    pub stateless: bool,
    /// Also accept this Host header (http; repeatable). Loopback names are
    /// always accepted.
    #[arg(long = "allowed-host", value_name = "HOST")]
    pub allowed_hosts: Vec<String>,
    /// Also accept requests from this Origin (http; repeatable), e.g.
    /// `https://app.example.com`. Loopback origins are always accepted.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// Largest MCP request body accepted (http), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_request_bytes: usize,

    /// The backend's base URL (default: the document's first server, or the
    /// app started by `--app`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<Url>,
    /// Seconds one backend attempt may take (connect, send, read).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Retries after the first attempt (connection failures always;
    /// timeouts, 429 and 502/503/504 only for idempotent methods).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,
    /// Seconds before the first retry (doubling, at most twice this).
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub retry_delay: f64,
    /// Backend answers larger than this are cut and reported, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub max_response_bytes: usize,

    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Json)]
    pub log_format: LogFormat,
    /// uvicorn's log level for `--app`.
    #[arg(long, default_value = "warning")]
    pub app_log_level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    Stdio,
    Http,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    args.inbound.check_transport(args.transport)?;
    let headers = args.outbound.headers()?;
    let auth = args.outbound.backend_auth()?;
    // The log redacts what the gateway will (it derives the same list from
    // the same headers and credentials).
    let mut secrets: Vec<String> = headers.iter().map(|(_, value)| value.clone()).collect();
    secrets.extend(auth.secret_values());
    logging::init(args.log_format, &secrets);
    if auth.passthrough {
        tracing::warn!(
            "--passthrough-token is on: each caller's own bearer token is forwarded to the backend. The MCP spec forbids token passthrough; use it only when the backend trusts the same issuer and audience"
        );
    }
    // Read the token mapping / reach the OAuth issuer before anything slow
    // (an app start, a large document), so a mistake there fails at once.
    let inbound = match args.transport {
        Transport::Http => args.inbound.auth().await?,
        Transport::Stdio => None,
    };
    let has_caller = match args.transport {
        Transport::Http => inbound.is_some(),
        Transport::Stdio => args.user_id.is_some(),
    };
    if auth.needs_caller() && !has_caller {
        tracing::warn!(
            "the backend auth needs each call's caller id, and no caller is identified ({}); every such call will be refused with authentication_error",
            match args.transport {
                Transport::Http => "configure --auth-tokens-file or --oauth-issuer",
                Transport::Stdio => "pass --user-id",
            }
        );
    }
    if args.user_id.is_some() && args.transport == Transport::Http {
        bail!(
            "--user-id names the one local caller of the stdio transport; over HTTP each caller is identified by inbound auth (--auth-tokens-file or --oauth-issuer)"
        );
    }

    let shutdown = CancellationToken::new();
    spawn_signal_handler(shutdown.clone());

    let mut app = None;
    let source = match args.source.source()? {
        Source::App(app_source) => {
            let launch = AppLaunch {
                target: app_source.target.clone(),
                app_dir: app_source.app_dir.clone(),
                python: app_source.interpreter(),
                log_level: args.app_log_level.clone(),
                startup_timeout: Duration::from_secs(args.source.load_timeout),
            };
            let process = AppProcess::start(&launch).await?;
            tracing::info!(app = app_source.target, base_url = %process.base_url(), "app started under uvicorn");
            let url = process.base_url().join("/openapi.json")?;
            app = Some(process);
            Source::Url(url.to_string())
        }
        other => other,
    };
    let result = serve(
        &args,
        source,
        app.as_ref().map(|a| a.base_url().clone()),
        Credentials {
            headers,
            backend: auth,
            inbound,
        },
        shutdown,
    )
    .await;
    if let Some(app) = app {
        app.stop().await;
    }
    result
}

/// Everything read from secrets at start-up, before the document is loaded.
struct Credentials {
    headers: Vec<(String, String)>,
    backend: restmcp_gateway::BackendAuth,
    inbound: Option<std::sync::Arc<restmcp_gateway::InboundAuth>>,
}

async fn serve(
    args: &ServeArgs,
    source: Source,
    app_url: Option<Url>,
    credentials: Credentials,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let Credentials {
        headers,
        backend: auth,
        inbound,
    } = credentials;
    let spec = restmcp_spec::load(&source, &args.source.load_options())
        .await
        .context("Failed to load the OpenAPI document")?;
    let catalog = restmcp_catalog::build(&spec.document, &args.filter.catalog_options()?)
        .context("Failed to turn the OpenAPI document into tools")?;
    for warning in &spec.warnings {
        tracing::warn!(warning = warning.as_str(), "OpenAPI document");
    }
    for warning in &catalog.warnings {
        tracing::warn!(
            operation = warning.operation.as_str(),
            warning = warning.message.as_str(),
            "tool catalog"
        );
    }
    let base_url = match (&args.base_url, app_url, spec.base_url()) {
        (Some(url), _, _) => url.clone(),
        (None, Some(url), _) => url,
        (None, None, Some(url)) => url,
        (None, None, None) => bail!(
            "The document names no usable server URL to send calls to; pass the backend's address with --base-url, e.g. --base-url http://127.0.0.1:8000"
        ),
    };
    let instructions = spec.title().map(|title| {
        format!("Tools for the {title} API, served by restmcp: each tool is one HTTP operation of the API.")
    });
    let spec_title = spec.title().unwrap_or("(untitled)").to_owned();
    drop(spec);

    let mut config = GatewayConfig::new(base_url.clone());
    config.timeout = seconds(args.timeout, "--timeout")?;
    config.retry = RetryPolicy {
        attempts: args.retries.saturating_add(1),
        backoff_initial: seconds(args.retry_delay, "--retry-delay")?,
        backoff_max: seconds(args.retry_delay * 2.0, "--retry-delay")?,
        ..RetryPolicy::default()
    };
    config.max_response_bytes = args.max_response_bytes;
    config.headers = headers;
    config.instructions = instructions;
    config.auth = auth;
    config.caller = args.user_id.clone().map(Caller::local);
    let tool_count = catalog.tools.len();
    let gateway = Gateway::new(catalog, config)?;
    crate::memory::release_freed();
    tracing::info!(api = spec_title, tools = tool_count, base_url = %base_url, "serving");

    match args.transport {
        Transport::Stdio => restmcp_gateway::serve_stdio(gateway, shutdown).await?,
        Transport::Http => {
            let options = HttpOptions {
                addr: SocketAddr::new(args.host, args.port),
                path: args.path.clone(),
                stateless: args.stateless,
                allowed_hosts: args.allowed_hosts.clone(),
                allowed_origins: args.allowed_origins.clone(),
                max_request_bytes: args.max_request_bytes,
                auth: inbound,
            };
            let server = HttpServer::bind(gateway, &options, &shutdown).await?;
            let addr = server.local_addr()?;
            let path = if options.path.starts_with('/') {
                options.path.clone()
            } else {
                format!("/{}", options.path)
            };
            tracing::info!(
                url = format!("http://{addr}{path}"),
                stateless = options.stateless,
                "listening"
            );
            server.run(shutdown).await?;
        }
    }
    Ok(())
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero() || flag == "--retry-delay")
        .with_context(|| format!("Invalid {flag} `{value}`: give a positive number of seconds"))
}

/// Ctrl-C or SIGTERM: shut down cleanly (the app is stopped on the way out).
fn spawn_signal_handler(shutdown: CancellationToken) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(term) => term,
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                        shutdown.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        shutdown.cancel();
    });
}
