//! Closed-loop load: N clients, each with its own HTTP client (connection),
//! send one request, wait for the whole answer, send the next. Only
//! requests that complete inside the measurement window (after a warm-up)
//! count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::HeaderMap;

/// One kind of request, sent over and over.
pub struct Target {
    pub method: Method,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    pub check: Check,
}

#[derive(Clone, Copy)]
pub enum Check {
    /// HTTP 200 (the direct request).
    Ok200,
    /// HTTP 200 with a JSON-RPC result that is not a tool error.
    ToolResult,
}

impl Target {
    /// Sends the request once and reads the whole answer.
    pub async fn call(&self, client: &reqwest::Client) -> Result<Bytes, String> {
        let mut request = client
            .request(self.method.clone(), &self.url)
            .headers(self.headers.clone());
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        let response = request.send().await.map_err(|e| error_chain(&e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| error_chain(&e))?;
        if status != reqwest::StatusCode::OK {
            return Err(format!("HTTP {status}: {}", excerpt(&body)));
        }
        match self.check {
            Check::Ok200 => Ok(body),
            Check::ToolResult => {
                if contains(&body, b"\"result\"") && !contains(&body, b"\"isError\":true") {
                    Ok(body)
                } else {
                    Err(format!("not a successful tool result: {}", excerpt(&body)))
                }
            }
        }
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .build()
        .expect("an HTTP client")
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(400)]);
    text.replace('\n', "\\n")
}

pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What one or more measurement windows saw.
#[derive(Default, Clone)]
pub struct Stats {
    /// Requests completed at any time, warm-up included.
    pub sent: u64,
    /// Successful requests completed inside the windows.
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Total length of the windows.
    pub window: Duration,
    /// Latency of every successful request, in nanoseconds.
    pub latencies: Vec<u64>,
    /// CPU time each watched process used during the windows.
    pub cpu: Vec<Duration>,
}

impl Stats {
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.window.as_secs_f64().max(1e-9)
    }

    /// Sorts the latencies (call before `percentile_ms`).
    pub fn finish(&mut self) {
        self.latencies.sort_unstable();
    }

    /// The p-th percentile (0..=100) latency in ms (nearest rank).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[index] as f64 / 1e6
    }

    pub fn max_ms(&self) -> f64 {
        self.latencies.last().map_or(f64::NAN, |&n| n as f64 / 1e6)
    }

    /// CPU time of watched process `i` per successful request, in µs.
    pub fn cpu_us_per_call(&self, i: usize) -> f64 {
        match self.cpu.get(i) {
            Some(cpu) if self.ok > 0 => cpu.as_secs_f64() * 1e6 / self.ok as f64,
            _ => f64::NAN,
        }
    }
}

/// Runs `clients` closed-loop clients against `target`: `warmup` unmeasured,
/// then `window` measured. `watch` are pids whose CPU time is sampled at the
/// window's edges.
pub async fn run(
    target: Arc<Target>,
    clients: usize,
    warmup: Duration,
    window: Duration,
    watch: Vec<u32>,
) -> Stats {
    let begin = Instant::now();
    let start = begin + warmup;
    let end = start + window;
    let sampler = tokio::spawn(async move {
        tokio::time::sleep_until(start.into()).await;
        let before: Vec<Duration> = watch.iter().map(|&p| crate::procs::cpu_time(p)).collect();
        tokio::time::sleep_until(end.into()).await;
        let after: Vec<Duration> = watch.iter().map(|&p| crate::procs::cpu_time(p)).collect();
        after
            .into_iter()
            .zip(before)
            .map(|(a, b)| a.saturating_sub(b))
            .collect::<Vec<_>>()
    });
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let target = Arc::clone(&target);
        tasks.push(tokio::spawn(async move {
            let client = client();
            let mut stats = Stats::default();
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let result = target.call(&client).await;
                let t1 = Instant::now();
                stats.sent += 1;
                if t1 < start || t1 > end {
                    continue;
                }
                match result {
                    Ok(_) => {
                        stats.ok += 1;
                        stats.latencies.push((t1 - t0).as_nanos() as u64);
                    }
                    Err(error) => {
                        stats.errors += 1;
                        stats.first_error.get_or_insert(error);
                        // Do not spin on a dead target.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            stats
        }));
    }
    let mut total = Stats {
        window,
        ..Stats::default()
    };
    for task in tasks {
        match task.await {
            Ok(stats) => {
                total.sent += stats.sent;
                total.ok += stats.ok;
                total.errors += stats.errors;
                if total.first_error.is_none() {
                    total.first_error = stats.first_error;
                }
                total.latencies.extend(stats.latencies);
            }
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert(format!("client task failed: {e}"));
            }
        }
    }
    total.cpu = sampler.await.unwrap_or_default();
    total
}
