//! End-to-end benchmark of `restmcp serve --transport http` (see
//! benches/README.md): gateway vs direct for N concurrent clients against a
//! fast backend and the todo example, 1,000 concurrent legacy sessions, and
//! restmcp's memory serving a 1,223-tool document.
//!
//! `restmcp-gateway-bench [--repo DIR] [--restmcp BIN] ...` (see `usage`);
//! `restmcp-gateway-bench ping-server` is the fast backend (internal).

mod load;
mod mcp;
mod ping;
mod procs;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::load::{Check, Stats, Target};
use crate::procs::{Proc, Restmcp};

const USAGE: &str = "\
restmcp-gateway-bench: end-to-end benchmark of `restmcp serve --transport http`

Options (all optional):
  --repo DIR          repository root (default: .)
  --restmcp BIN       restmcp binary (default: REPO/target/release/restmcp)
  --python BIN        Python with uvicorn + FastAPI (default: REPO/.venv/bin/python)
  --corpus FILE       big OpenAPI document for the memory test
                      (default: REPO/../shared/corpus/github/api.github.com.json)
  --clients LIST      concurrent clients, comma-separated (default: 1,8,64)
  --duration SECS     measured seconds per run (default: 1)
  --warmup SECS       unmeasured seconds before each run (default: 0.25)
  --rounds N          runs per target, interleaved direct/restmcp; medians are
                      reported (default: 5)
  --sessions N        concurrent legacy sessions (default: 1000; 0 skips)
  --backends LIST     fast,todo (default: both)
  --logs LIST         restmcp log levels to measure: warn,info (default: both)
  --json FILE         also write the results as JSON
  --restmcp-env K=V   set an environment variable for every restmcp started
                      (repeatable), e.g. TOKIO_WORKER_THREADS=1
  --keep              keep the temporary directory (restmcp logs)
";

#[derive(Clone)]
struct Options {
    repo: PathBuf,
    restmcp: PathBuf,
    python: PathBuf,
    corpus: PathBuf,
    clients: Vec<usize>,
    duration: Duration,
    warmup: Duration,
    rounds: usize,
    sessions: usize,
    backends: Vec<String>,
    logs: Vec<String>,
    json: Option<PathBuf>,
    keep: bool,
    restmcp_env: Vec<(String, String)>,
}

fn parse_options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut repo = PathBuf::from(".");
    let (mut restmcp, mut python, mut corpus, mut json) = (None, None, None, None);
    let mut clients = vec![1, 8, 64];
    let mut duration = 1.0;
    let mut warmup = 0.25;
    let mut rounds = 5;
    let mut sessions = 1000;
    let mut backends = vec!["fast".to_owned(), "todo".to_owned()];
    let mut logs = vec!["warn".to_owned(), "info".to_owned()];
    let mut keep = false;
    let mut restmcp_env = Vec::new();
    while let Some(flag) = args.next() {
        if flag == "--keep" {
            keep = true;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            print!("{USAGE}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))?;
        let list = || -> Vec<String> {
            value
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let number = |v: &str| v.parse::<f64>().map_err(|_| format!("{flag}: not a number: {v}"));
        match flag.as_str() {
            "--repo" => repo = PathBuf::from(&value),
            "--restmcp" => restmcp = Some(PathBuf::from(&value)),
            "--python" => python = Some(PathBuf::from(&value)),
            "--corpus" => corpus = Some(PathBuf::from(&value)),
            "--json" => json = Some(PathBuf::from(&value)),
            "--clients" => {
                clients = list()
                    .iter()
                    .map(|c| c.parse().map_err(|_| format!("--clients: not a number: {c}")))
                    .collect::<Result<_, _>>()?
            }
            "--duration" => duration = number(&value)?,
            "--warmup" => warmup = number(&value)?,
            "--rounds" => rounds = number(&value)? as usize,
            "--sessions" => sessions = number(&value)? as usize,
            "--backends" => backends = list(),
            "--logs" => logs = list(),
            "--restmcp-env" => {
                let (k, v) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--restmcp-env: write NAME=VALUE, not {value}"))?;
                restmcp_env.push((k.to_owned(), v.to_owned()));
            }
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    let repo = std::fs::canonicalize(&repo).map_err(|e| format!("--repo {}: {e}", repo.display()))?;
    for b in &backends {
        if b != "fast" && b != "todo" {
            return Err(format!("--backends: unknown backend {b} (fast, todo)"));
        }
    }
    for l in &logs {
        if l != "warn" && l != "info" {
            return Err(format!("--logs: unknown level {l} (warn, info)"));
        }
    }
    Ok(Options {
        restmcp: restmcp.unwrap_or_else(|| repo.join("target/release/restmcp")),
        python: python.unwrap_or_else(|| repo.join(".venv/bin/python")),
        corpus: corpus.unwrap_or_else(|| repo.join("../shared/corpus/github/api.github.com.json")),
        repo,
        clients,
        duration: Duration::from_secs_f64(duration),
        warmup: Duration::from_secs_f64(warmup),
        rounds: rounds.max(1),
        sessions,
        backends,
        logs,
        json,
        keep,
        restmcp_env,
    })
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("ping-server") {
        if let Err(e) = ping::main() {
            eprintln!("ping server: {e}");
            std::process::exit(1);
        }
        return;
    }
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let tmp = std::env::temp_dir().join(format!("restmcp-gateway-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&tmp) {
        eprintln!("{}: {e}", tmp.display());
        std::process::exit(1);
    }
    // On Ctrl-C / SIGTERM the run is dropped, which kills every child.
    let result = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            result = run(&options, &tmp) => result,
            _ = tokio::signal::ctrl_c() => Err("interrupted".to_owned()),
            _ = term.recv() => Err("terminated".to_owned()),
        }
    });
    if options.keep {
        eprintln!("logs kept in {}", tmp.display());
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    match result {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("\nerror: {e}");
            std::process::exit(1);
        }
    }
}

/// Progress on stderr.
macro_rules! progress {
    ($($arg:tt)*) => { eprintln!("[bench] {}", format!($($arg)*)) };
}

/// One target's numbers: of one run, or the median over runs (`max` is
/// the largest, `ok` and `errors` the sums).
#[derive(Clone, Default)]
struct Summary {
    rps: f64,
    p50: f64,
    p99: f64,
    p999: f64,
    max: f64,
    ok: u64,
    errors: u64,
    /// CPU µs per call of each watched process.
    cpu_us: Vec<f64>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

impl Summary {
    fn of(stats: &mut Stats) -> Self {
        stats.finish();
        Self {
            rps: stats.throughput(),
            p50: stats.percentile_ms(50.0),
            p99: stats.percentile_ms(99.0),
            p999: stats.percentile_ms(99.9),
            max: stats.max_ms(),
            ok: stats.ok,
            errors: stats.errors,
            cpu_us: (0..stats.cpu.len()).map(|i| stats.cpu_us_per_call(i)).collect(),
        }
    }

    fn median_of(runs: &[Summary]) -> Self {
        let field = |f: fn(&Summary) -> f64| median(runs.iter().map(f).collect());
        let watched = runs.iter().map(|r| r.cpu_us.len()).max().unwrap_or(0);
        Self {
            rps: field(|r| r.rps),
            p50: field(|r| r.p50),
            p99: field(|r| r.p99),
            p999: field(|r| r.p999),
            max: runs.iter().map(|r| r.max).fold(f64::NAN, f64::max),
            ok: runs.iter().map(|r| r.ok).sum(),
            errors: runs.iter().map(|r| r.errors).sum(),
            cpu_us: (0..watched)
                .map(|i| median(runs.iter().filter_map(|r| r.cpu_us.get(i).copied()).collect()))
                .collect(),
        }
    }

    fn cpu(&self, i: usize) -> f64 {
        self.cpu_us.get(i).copied().unwrap_or(f64::NAN)
    }

    fn json(&self) -> Value {
        json!({"rps": self.rps, "p50_ms": self.p50, "p99_ms": self.p99, "p999_ms": self.p999,
               "max_ms": self.max, "ok": self.ok, "errors": self.errors, "cpu_us_per_call": self.cpu_us})
    }
}

struct Row {
    backend: &'static str,
    clients: usize,
    log: String,
    /// Medians over the rounds.
    direct: Summary,
    gateway: Summary,
    /// restmcp req/s over direct req/s, per round (paired, run back to back):
    /// median, lowest, highest.
    ratio: (f64, f64, f64),
    /// restmcp minus direct, per round: median of p50 and of p99 differences.
    added_p50: f64,
    added_p99: f64,
    /// restmcp CPU per call, µs.
    gateway_cpu_us: f64,
    /// Backend CPU per call, µs: direct, through restmcp.
    backend_cpu_us: (f64, f64),
    /// Load generator (this process) CPU per call, µs: direct, through restmcp.
    loadgen_cpu_us: (f64, f64),
    first_error: Option<String>,
}

struct GatewayInfo {
    backend: &'static str,
    log: String,
    startup_ms: f64,
    memory_after: procs::Memory,
    log_bytes_per_call: f64,
}

struct Report {
    rows: Vec<Row>,
    gateways: Vec<GatewayInfo>,
    /// Passes of the sessions test against the same restmcp.
    sessions: Vec<mcp::SessionsReport>,
    corpus: Option<CorpusReport>,
    schema: Vec<SchemaRow>,
    notes: Vec<String>,
}

struct SchemaRow {
    label: &'static str,
    tool: String,
    schema_bytes: usize,
    clients: usize,
    summary: Summary,
}

struct CorpusReport {
    tools: usize,
    pages: usize,
    list_bytes: usize,
    startup_ms: f64,
    list_ms: f64,
    after_start: procs::Memory,
    after_list: procs::Memory,
}

async fn run(options: &Options, tmp: &Path) -> Result<bool, String> {
    if !options.restmcp.is_file() {
        return Err(format!(
            "no restmcp binary at {}; build it: cargo build --release -p restmcp-cli",
            options.restmcp.display()
        ));
    }
    let mut report = Report {
        rows: Vec::new(),
        gateways: Vec::new(),
        sessions: Vec::new(),
        corpus: None,
        schema: Vec::new(),
        notes: Vec::new(),
    };
    progress!(
        "restmcp {}; clients {:?}; {} round(s) of {:.1} s (+{:.1} s warm-up) per target",
        options.restmcp.display(),
        options.clients,
        options.rounds,
        options.duration.as_secs_f64(),
        options.warmup.as_secs_f64()
    );

    // The fast backend (also used by the sessions test).
    let need_ping = options.backends.iter().any(|b| b == "fast")
        || options.sessions > 0
        || options.corpus.is_file();
    let mut ping: Option<(Proc, PathBuf, String)> = None;
    if need_ping {
        let (proc, port) = procs::start_ping().await?;
        let base = format!("http://127.0.0.1:{port}");
        let spec = tmp.join("ping-openapi.json");
        std::fs::write(&spec, ping::openapi(&base).to_string()).map_err(|e| e.to_string())?;
        progress!("fast backend (axum, pid {}) on {base}", proc.pid);
        if options.backends.iter().any(|b| b == "fast") {
            let direct = direct_target(&format!("{base}/ping"));
            bench_backend(
                options,
                tmp,
                "fast",
                proc.pid,
                direct,
                &[spec.display().to_string()],
                "ping",
                &mut report,
            )
            .await?;
        }
        ping = Some((proc, spec, base));
    }

    if options.backends.iter().any(|b| b == "todo") {
        if !options.python.is_file() {
            return Err(format!(
                "no Python at {} (needed for the todo backend; run scripts/ set-up or pass --python, or --backends fast)",
                options.python.display()
            ));
        }
        let (uvicorn, port) =
            procs::start_uvicorn(&options.repo, &options.python, tmp.join("uvicorn.log")).await?;
        let base = format!("http://127.0.0.1:{port}");
        progress!("todo backend (uvicorn, pid {}) on {base}", uvicorn.pid);
        let direct = direct_target(&format!("{base}/stats"));
        let result = bench_backend(
            options,
            tmp,
            "todo",
            uvicorn.pid,
            direct,
            &[format!("{base}/openapi.json")],
            "get_stats",
            &mut report,
        )
        .await;
        uvicorn.stop().await;
        result?;
    }

    if options.sessions > 0
        && let Some((_, spec, _)) = &ping
    {
        progress!("{} concurrent legacy sessions (restmcp in session mode, default logging)", options.sessions);
        let args = serve_args(&[spec.display().to_string()], false);
        let gateway =
            procs::start_restmcp(&options.restmcp, &args, &options.restmcp_env, None, tmp.join("restmcp-sessions.log"), "sessions").await?;
        // Twice against the same process: memory that does not come back
        // after the first pass's DELETEs but is reused by the second is
        // allocator retention; memory that grows again is a leak.
        for pass in 1..=2 {
            let sessions =
                mcp::concurrent_sessions(&gateway.url, "ping", options.sessions, gateway.proc.pid).await;
            progress!("  pass {pass}: {} error(s)", sessions.errors());
            report.sessions.push(sessions);
        }
        let log = std::fs::read_to_string(tmp.join("restmcp-sessions.log")).unwrap_or_default();
        let log_problems = log
            .lines()
            .filter(|l| l.contains("\"level\":\"ERROR\"") || l.contains("\"level\":\"WARN\""))
            .count();
        if log_problems > 0 {
            report.notes.push(format!(
                "sessions test: restmcp logged {log_problems} WARN/ERROR line(s), e.g. {}",
                log.lines()
                    .find(|l| l.contains("\"level\":\"ERROR\"") || l.contains("\"level\":\"WARN\""))
                    .unwrap_or("")
            ));
        }
        gateway.proc.stop().await;
    }
    if options.corpus.is_file() {
        progress!("memory: restmcp serving {}", options.corpus.display());
        let (corpus, tools) = corpus_memory(options, tmp).await?;
        report.corpus = Some(corpus);
        if let Some((proc, _, base)) = &ping {
            progress!("per-call cost against schema size (same document, fast backend)");
            schema_cost(options, tmp, base, proc.pid, &tools, &mut report).await?;
        }
    } else {
        report
            .notes
            .push(format!("memory test skipped: no {}", options.corpus.display()));
    }

    if let Some((proc, _, _)) = ping {
        proc.stop().await;
    }

    let (table, passed) = render(options, &report);
    println!("{table}");
    if let Some(path) = &options.json {
        let json = to_json(options, &report);
        std::fs::write(path, serde_json::to_string_pretty(&json).unwrap_or_default())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        progress!("results written to {}", path.display());
    }
    Ok(passed)
}

/// The plain GET restmcp itself sends (same Accept header).
fn direct_target(url: &str) -> Target {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json, */*;q=0.5"),
    );
    Target {
        method: Method::GET,
        url: url.to_owned(),
        headers,
        body: None,
        check: Check::Ok200,
    }
}

fn serve_args(source: &[String], stateless: bool) -> Vec<String> {
    let mut args: Vec<String> = vec!["serve".into()];
    args.extend(source.iter().cloned());
    args.extend(
        ["--transport", "http", "--port", "0", "--log-format", "json"]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    if stateless {
        args.push("--stateless".into());
    }
    args
}

/// Direct vs restmcp (one instance per log level) for every client count.
#[allow(clippy::too_many_arguments)]
async fn bench_backend(
    options: &Options,
    tmp: &Path,
    backend: &'static str,
    backend_pid: u32,
    direct: Target,
    source: &[String],
    tool: &str,
    report: &mut Report,
) -> Result<(), String> {
    let direct = Arc::new(direct);
    let mut gateways: Vec<(String, Restmcp, Arc<Target>)> = Vec::new();
    for log in &options.logs {
        // `warn` silences the audit log; the start-up lines of `serve` stay
        // on (they name the URL) and cost nothing per call.
        let rust_log = if log == "warn" {
            Some("warn,restmcp::commands::serve=info")
        } else {
            None
        };
        let gateway = procs::start_restmcp(
            &options.restmcp,
            &serve_args(source, true),
            &options.restmcp_env,
            rust_log,
            tmp.join(format!("restmcp-{backend}-{log}.log")),
            &format!("{backend}/{log}"),
        )
        .await?;
        progress!(
            "restmcp ({backend}, log {}) pid {} at {} (listening after {:.0} ms)",
            if log == "warn" { "RUST_LOG=warn,restmcp::commands::serve=info" } else { "default info" },
            gateway.proc.pid,
            gateway.url,
            gateway.startup.as_secs_f64() * 1000.0
        );
        let target = Arc::new(mcp::tool_call_target(&gateway.url, tool, json!({})));
        gateways.push((log.clone(), gateway, target));
    }

    // One call each way, shown, so a broken set-up fails loudly.
    let client = load::client();
    let body = direct.call(&client).await.map_err(|e| format!("{backend} direct: {e}"))?;
    progress!("  direct answer: {}", load::excerpt(&body));
    for (log, gateway, target) in &gateways {
        let body = target
            .call(&client)
            .await
            .map_err(|e| format!("{backend} through restmcp ({log}): {e}\n{}", gateway.proc.log_tail()))?;
        progress!("  restmcp answer ({log}): {}", load::excerpt(&body));
    }
    drop(client);

    let log_start: Vec<u64> = gateways.iter().map(|(_, g, _)| g.proc.log_bytes()).collect();
    let mut calls: Vec<u64> = vec![0; gateways.len()];
    for &clients in &options.clients {
        let mut direct_runs: Vec<Summary> = Vec::new();
        let mut gateway_runs: Vec<Vec<Summary>> = vec![Vec::new(); gateways.len()];
        let mut first_error: Vec<Option<String>> = vec![None; gateways.len() + 1];
        for round in 0..options.rounds {
            // Interleave, alternating the order, so drift hits both sides.
            let mut order: Vec<Option<usize>> = std::iter::once(None)
                .chain((0..gateways.len()).map(Some))
                .collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for which in order {
                match which {
                    None => {
                        let mut stats = load::run(
                            Arc::clone(&direct),
                            clients,
                            options.warmup,
                            options.duration,
                            vec![backend_pid, std::process::id()],
                        )
                        .await;
                        if first_error[0].is_none() {
                            first_error[0] = stats.first_error.take();
                        }
                        direct_runs.push(Summary::of(&mut stats));
                    }
                    Some(i) => {
                        let (_, gateway, target) = &gateways[i];
                        let mut stats = load::run(
                            Arc::clone(target),
                            clients,
                            options.warmup,
                            options.duration,
                            vec![gateway.proc.pid, backend_pid, std::process::id()],
                        )
                        .await;
                        calls[i] += stats.sent;
                        if first_error[i + 1].is_none() {
                            first_error[i + 1] = stats.first_error.take();
                        }
                        gateway_runs[i].push(Summary::of(&mut stats));
                    }
                }
            }
        }
        let direct = Summary::median_of(&direct_runs);
        for (i, (log, _, _)) in gateways.iter().enumerate() {
            let runs = &gateway_runs[i];
            let paired = |f: fn(&Summary, &Summary) -> f64| -> Vec<f64> {
                runs.iter().zip(&direct_runs).map(|(g, d)| f(g, d)).collect()
            };
            let ratios = paired(|g, d| g.rps / d.rps);
            let gateway = Summary::median_of(runs);
            let row = Row {
                backend,
                clients,
                log: log.clone(),
                ratio: (
                    median(ratios.clone()),
                    ratios.iter().copied().fold(f64::NAN, f64::min),
                    ratios.iter().copied().fold(f64::NAN, f64::max),
                ),
                added_p50: median(paired(|g, d| g.p50 - d.p50)),
                added_p99: median(paired(|g, d| g.p99 - d.p99)),
                gateway_cpu_us: gateway.cpu(0),
                backend_cpu_us: (direct.cpu(0), gateway.cpu(1)),
                loadgen_cpu_us: (direct.cpu(1), gateway.cpu(2)),
                first_error: first_error[i + 1].clone().or_else(|| first_error[0].clone()),
                direct: direct.clone(),
                gateway,
            };
            progress!(
                "  {backend} N={clients:<3} log={log:<4} direct {:>8.0} req/s p50 {:.3} ms | restmcp {:>8.0} req/s p50 {:.3} ms ({:.0}%)",
                row.direct.rps,
                row.direct.p50,
                row.gateway.rps,
                row.gateway.p50,
                100.0 * row.ratio.0
            );
            report.rows.push(row);
        }
    }
    for (i, (log, gateway, _)) in gateways.into_iter().enumerate() {
        let log_bytes = gateway.proc.log_bytes().saturating_sub(log_start[i]);
        report.gateways.push(GatewayInfo {
            backend,
            log,
            startup_ms: gateway.startup.as_secs_f64() * 1000.0,
            memory_after: procs::memory(gateway.proc.pid),
            // Only calls inside windows are counted; warm-up calls log too, so
            // this slightly overstates bytes per call.
            log_bytes_per_call: log_bytes as f64 / calls[i].max(1) as f64,
        });
        gateway.proc.stop().await;
    }
    Ok(())
}

async fn corpus_memory(options: &Options, tmp: &Path) -> Result<(CorpusReport, Vec<Value>), String> {
    let mut args = serve_args(&[options.corpus.display().to_string()], false);
    args.extend(["--base-url".to_owned(), "http://127.0.0.1:9".to_owned()]);
    let gateway =
        procs::start_restmcp(&options.restmcp, &args, &options.restmcp_env, None, tmp.join("restmcp-corpus.log"), "corpus").await?;
    let after_start = procs::memory(gateway.proc.pid);
    let t = std::time::Instant::now();
    let listed = mcp::list_all_tools(&gateway.url).await;
    let list_ms = t.elapsed().as_secs_f64() * 1000.0;
    let after_list = procs::memory(gateway.proc.pid);
    let tail = gateway.proc.log_tail();
    gateway.proc.stop().await;
    let (tools, pages, list_bytes) = listed.map_err(|e| format!("tools/list on the corpus: {e}\n{tail}"))?;
    let report = CorpusReport {
        tools: tools.len(),
        pages,
        list_bytes,
        startup_ms: gateway.startup.as_secs_f64() * 1000.0,
        list_ms,
        after_start,
        after_list,
    };
    Ok((report, tools))
}

/// Per-call cost against the tool's schema size: restmcp serving the big
/// document (stateless, audit log off), every path answered by the fast
/// backend; the read-only tool with the smallest and the one with the
/// largest input+output schema, called with dummy required arguments.
async fn schema_cost(
    options: &Options,
    tmp: &Path,
    base: &str,
    backend_pid: u32,
    tools: &[Value],
    report: &mut Report,
) -> Result<(), String> {
    let mut args = serve_args(&[options.corpus.display().to_string()], true);
    args.extend(["--base-url".to_owned(), base.to_owned()]);
    let gateway = procs::start_restmcp(
        &options.restmcp,
        &args,
        &options.restmcp_env,
        Some("warn,restmcp::commands::serve=info"),
        tmp.join("restmcp-schema.log"),
        "schema",
    )
    .await?;
    let mut candidates: Vec<&Value> = tools
        .iter()
        .filter(|t| t.pointer("/annotations/readOnlyHint") == Some(&Value::Bool(true)))
        .collect();
    candidates.sort_by_key(|t| mcp::schema_bytes(t));
    let client = load::client();
    let mut picked: Vec<(&'static str, &Value, Arc<Target>)> = Vec::new();
    for (label, order) in [
        ("smallest", candidates.clone()),
        ("largest", candidates.iter().rev().copied().collect::<Vec<_>>()),
    ] {
        for tool in order.into_iter().take(10) {
            let name = tool.get("name").and_then(Value::as_str).unwrap_or_default();
            let target = Arc::new(mcp::tool_call_target(&gateway.url, name, mcp::dummy_arguments(tool)));
            if target.call(&client).await.is_ok() {
                picked.push((label, tool, target));
                break;
            }
        }
    }
    let clients = 8;
    let mut runs: Vec<Vec<Summary>> = vec![Vec::new(); picked.len()];
    for round in 0..options.rounds {
        let mut order: Vec<usize> = (0..picked.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let mut stats = load::run(
                Arc::clone(&picked[i].2),
                clients,
                options.warmup,
                options.duration,
                vec![gateway.proc.pid, backend_pid],
            )
            .await;
            runs[i].push(Summary::of(&mut stats));
        }
    }
    for ((label, tool, _), runs) in picked.iter().zip(runs) {
        report.schema.push(SchemaRow {
            label,
            tool: tool.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            schema_bytes: mcp::schema_bytes(tool),
            clients,
            summary: Summary::median_of(&runs),
        });
    }
    if picked.len() < 2 {
        report.notes.push("schema-size test: no read-only tool answered a dummy call".into());
    }
    gateway.proc.stop().await;
    Ok(())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

const TARGET_ADDED_P50_MS: f64 = 0.25;
const TARGET_ADDED_P99_MS: f64 = 1.0;
const TARGET_THROUGHPUT_RATIO: f64 = 0.60;
const TARGET_RSS_MIB: f64 = 60.0;

fn render(options: &Options, report: &Report) -> (String, bool) {
    let mut out = String::new();
    let mut passed = true;
    let _ = writeln!(out, "\n== restmcp serve --transport http --stateless: one tools/call vs the same GET sent directly ==");
    let _ = writeln!(
        out,
        "closed loop, N clients each on its own connection; {} x {:.1} s per target, interleaved; latencies in ms",
        options.rounds,
        options.duration.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "{:<7} {:>3} {:<4} | {:>8} {:>8} {:>15} | {:>7} {:>7} | {:>7} {:>7} {:>7} | {:>7} {:>7} | {:>7} | {:>9} {:>9} | errors",
        "backend", "N", "log", "direct/s", "mcp/s", "ratio", "dir p50", "dir p99", "mcp p50", "mcp p99", "mcp max",
        "+p50", "+p99", "restmcp", "backend", "loadgen"
    );
    for row in &report.rows {
        let errors = row.direct.errors + row.gateway.errors;
        let _ = writeln!(
            out,
            "{:<7} {:>3} {:<4} | {:>8.0} {:>8.0} {:>4.0}% {:>9} | {:>7.3} {:>7.3} | {:>7.3} {:>7.3} {:>7.1} | {:>7.3} {:>7.3} | {:>7.0} | {:>4.0}/{:<4.0} {:>4.0}/{:<4.0} | {}",
            row.backend,
            row.clients,
            row.log,
            row.direct.rps,
            row.gateway.rps,
            100.0 * row.ratio.0,
            format!("({:.0}-{:.0})", 100.0 * row.ratio.1, 100.0 * row.ratio.2),
            row.direct.p50,
            row.direct.p99,
            row.gateway.p50,
            row.gateway.p99,
            row.gateway.max,
            row.added_p50,
            row.added_p99,
            row.gateway_cpu_us,
            row.backend_cpu_us.0,
            row.backend_cpu_us.1,
            row.loadgen_cpu_us.0,
            row.loadgen_cpu_us.1,
            errors
        );
    }
    let _ = writeln!(
        out,
        "(mcp = through restmcp; ratio = mcp req/s / direct req/s; +p50/+p99 = mcp minus direct;\n restmcp / backend / loadgen = CPU time in µs per call (user+system, /proc), backend and loadgen as direct/mcp;\n the load generator, restmcp and the backend share this machine's {} CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for row in &report.rows {
        if let Some(e) = &row.first_error {
            let _ = writeln!(out, "first error ({} N={} {}): {e}", row.backend, row.clients, row.log);
        }
    }

    if !report.gateways.is_empty() {
        let _ = writeln!(out, "\nrestmcp processes under load:");
        for g in &report.gateways {
            let _ = writeln!(
                out,
                "  {:<5} log={:<4} listening after {:>5.0} ms; VmRSS {:.1} MiB, VmHWM {:.1} MiB after the runs; {:.0} log bytes per call",
                g.backend,
                g.log,
                g.startup_ms,
                mib(g.memory_after.rss_kib),
                mib(g.memory_after.hwm_kib),
                g.log_bytes_per_call
            );
        }
    }

    let _ = writeln!(
        out,
        "\n== targets (fast backend): added latency judged at the fewest clients (one call's overhead),\n   throughput at the most clients (capacity); every N in brackets =="
    );
    for log in &options.logs {
        let rows: Vec<&Row> = report
            .rows
            .iter()
            .filter(|r| r.backend == "fast" && &r.log == log)
            .collect();
        let (Some(fewest), Some(most)) = (
            rows.iter().min_by_key(|r| r.clients),
            rows.iter().max_by_key(|r| r.clients),
        ) else {
            continue;
        };
        let checks = [
            (
                "added p50",
                format!("<= {TARGET_ADDED_P50_MS} ms"),
                format!("{:.3} ms at N={}", fewest.added_p50, fewest.clients),
                fewest.added_p50 <= TARGET_ADDED_P50_MS,
                rows.iter().map(|r| format!("N={}: {:.3}", r.clients, r.added_p50)).collect::<Vec<_>>(),
            ),
            (
                "added p99",
                format!("<= {TARGET_ADDED_P99_MS} ms"),
                format!("{:.3} ms at N={}", fewest.added_p99, fewest.clients),
                fewest.added_p99 <= TARGET_ADDED_P99_MS,
                rows.iter().map(|r| format!("N={}: {:.3}", r.clients, r.added_p99)).collect(),
            ),
            (
                "throughput",
                format!(">= {:.0}% of direct", TARGET_THROUGHPUT_RATIO * 100.0),
                format!("{:.0}% at N={}", most.ratio.0 * 100.0, most.clients),
                most.ratio.0 >= TARGET_THROUGHPUT_RATIO,
                rows.iter().map(|r| format!("N={}: {:.0}%", r.clients, 100.0 * r.ratio.0)).collect(),
            ),
        ];
        for (name, target, value, ok, by_n) in checks {
            // Targets are judged on the product's default logging (info).
            if log == "info" || !options.logs.iter().any(|l| l == "info") {
                passed &= ok;
            }
            let _ = writeln!(
                out,
                "  log={log:<4} {name:<10} {target:<18} measured {value:<17} {}  [{}]",
                if ok { "PASS" } else { "FAIL" },
                by_n.join(", ")
            );
        }
        let errors: u64 = rows.iter().map(|r| r.gateway.errors + r.direct.errors).sum();
        if errors > 0 {
            passed = false;
            let _ = writeln!(out, "  log={log:<4} errors: {errors} FAIL");
        }
    }
    for row in report.rows.iter().filter(|r| r.backend == "todo") {
        if row.gateway.errors + row.direct.errors > 0 {
            passed = false;
        }
    }

    if let Some(first) = report.sessions.first() {
        let _ = writeln!(
            out,
            "\n== {} concurrent legacy HTTP sessions (initialize, notifications/initialized, tools/call ping, DELETE),\n   {} passes against one restmcp (session mode, default logging) ==",
            first.sessions,
            report.sessions.len()
        );
    }
    for (pass, s) in report.sessions.iter().enumerate() {
        let _ = writeln!(
            out,
            "  pass {}: errors: {} (initialize {}, initialized {}, tools/call {}, DELETE {}) {}",
            pass + 1,
            s.errors(),
            s.initialize_errors,
            s.initialized_errors,
            s.call_errors,
            s.delete_errors,
            if s.errors() == 0 { "PASS" } else { "FAIL" }
        );
        passed &= s.errors() == 0;
        if let Some(e) = &s.first_error {
            let _ = writeln!(out, "    first error: {e}");
        }
        let _ = writeln!(
            out,
            "    wall time: all initialize {:.0} ms; all initialized+call {:.0} ms; all DELETE {:.0} ms",
            s.initialize_time.as_secs_f64() * 1000.0,
            s.call_time.as_secs_f64() * 1000.0,
            s.delete_time.as_secs_f64() * 1000.0
        );
        for (when, m) in &s.memory {
            let _ = writeln!(
                out,
                "    restmcp {when:<32} VmRSS {:>6.1} MiB  VmHWM {:>6.1} MiB",
                mib(m.rss_kib),
                mib(m.hwm_kib)
            );
        }
    }

    if let Some(c) = &report.corpus {
        let _ = writeln!(out, "\n== memory serving {} ==", options.corpus.display());
        let _ = writeln!(
            out,
            "  listening after {:.0} ms; tools/list (all pages): {} tools in {} page(s), {:.1} MiB of JSON, {:.0} ms",
            c.startup_ms,
            c.tools,
            c.pages,
            c.list_bytes as f64 / 1048576.0,
            c.list_ms
        );
        let verdict = |kib: u64| if mib(kib) < TARGET_RSS_MIB { "PASS" } else { "FAIL" };
        let _ = writeln!(out, "  target < {TARGET_RSS_MIB} MB (MiB here), for the current RSS and for the peak:");
        for (when, m) in [("after start-up", c.after_start), ("after tools/list", c.after_list)] {
            passed &= mib(m.rss_kib) < TARGET_RSS_MIB && mib(m.hwm_kib) < TARGET_RSS_MIB;
            let _ = writeln!(
                out,
                "  {when:<18} VmRSS {:>6.1} MiB {}   VmHWM {:>6.1} MiB {}",
                mib(m.rss_kib),
                verdict(m.rss_kib),
                mib(m.hwm_kib),
                verdict(m.hwm_kib)
            );
        }
    }
    if !report.schema.is_empty() {
        let _ = writeln!(
            out,
            "\n== per-call cost against the tool's schema size (that document, stateless, audit log off,\n   fast backend answering every path; N={} clients; medians of {} rounds) ==",
            report.schema[0].clients,
            options.rounds
        );
        for r in &report.schema {
            let _ = writeln!(
                out,
                "  {:<8} {:<42} {:>6.1} KB of schema | {:>6.0} req/s  p50 {:>6.3} ms  p99 {:>6.3} ms | restmcp {:>5.0} µs CPU/call | errors {}",
                r.label,
                r.tool,
                r.schema_bytes as f64 / 1000.0,
                r.summary.rps,
                r.summary.p50,
                r.summary.p99,
                r.summary.cpu(0),
                r.summary.errors
            );
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out, "\noverall: {}", if passed { "PASS" } else { "FAIL (see above)" });
    (out, passed)
}

fn to_json(options: &Options, report: &Report) -> Value {
    json!({
        "clients": options.clients,
        "duration_s": options.duration.as_secs_f64(),
        "warmup_s": options.warmup.as_secs_f64(),
        "rounds": options.rounds,
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "rows": report.rows.iter().map(|r| json!({
            "backend": r.backend, "clients": r.clients, "log": r.log,
            "direct": r.direct.json(), "restmcp": r.gateway.json(),
            "ratio": r.ratio.0, "ratio_min": r.ratio.1, "ratio_max": r.ratio.2,
            "added_p50_ms": r.added_p50,
            "added_p99_ms": r.added_p99,
            "restmcp_cpu_us_per_call": r.gateway_cpu_us,
            "backend_cpu_us_per_call_direct": r.backend_cpu_us.0,
            "backend_cpu_us_per_call_via_restmcp": r.backend_cpu_us.1,
            "loadgen_cpu_us_per_call_direct": r.loadgen_cpu_us.0,
            "loadgen_cpu_us_per_call_via_restmcp": r.loadgen_cpu_us.1,
            "first_error": r.first_error,
        })).collect::<Vec<_>>(),
        "gateways": report.gateways.iter().map(|g| json!({
            "backend": g.backend, "log": g.log, "startup_ms": g.startup_ms,
            "vmrss_kib_after": g.memory_after.rss_kib, "vmhwm_kib_after": g.memory_after.hwm_kib,
            "log_bytes_per_call": g.log_bytes_per_call,
        })).collect::<Vec<_>>(),
        "sessions": report.sessions.iter().map(|s| json!({
            "sessions": s.sessions, "errors": s.errors(),
            "initialize_errors": s.initialize_errors, "initialized_errors": s.initialized_errors,
            "call_errors": s.call_errors, "delete_errors": s.delete_errors,
            "first_error": s.first_error,
            "initialize_ms": s.initialize_time.as_secs_f64() * 1000.0,
            "call_ms": s.call_time.as_secs_f64() * 1000.0,
            "delete_ms": s.delete_time.as_secs_f64() * 1000.0,
            "memory": s.memory.iter().map(|(w, m)| json!({"when": w, "vmrss_kib": m.rss_kib, "vmhwm_kib": m.hwm_kib})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "corpus": report.corpus.as_ref().map(|c| json!({
            "document": options.corpus, "tools": c.tools, "pages": c.pages, "list_bytes": c.list_bytes,
            "startup_ms": c.startup_ms, "list_ms": c.list_ms,
            "after_start": {"vmrss_kib": c.after_start.rss_kib, "vmhwm_kib": c.after_start.hwm_kib},
            "after_list": {"vmrss_kib": c.after_list.rss_kib, "vmhwm_kib": c.after_list.hwm_kib},
        })),
        "schema_size": report.schema.iter().map(|r| json!({
            "label": r.label, "tool": r.tool, "schema_bytes": r.schema_bytes, "clients": r.clients,
            "result": r.summary.json(),
        })).collect::<Vec<_>>(),
        "notes": report.notes,
    })
}
