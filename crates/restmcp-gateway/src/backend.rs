//! Sends a [`BackendRequest`] to the backend: per-attempt timeout, the
//! retry policy, a body read that stops at the size limit, and cancellation.
//!
//! Retry policy: a connection that never reached the backend is retried for
//! any method; a timeout, 502/503/504 and 429 only for idempotent methods
//! (GET, HEAD, PUT, DELETE, OPTIONS), so a POST that may have reached the
//! backend is never sent twice. Backoff doubles from `backoff_initial` up to
//! `backoff_max`, with jitter; `Retry-After` is honoured (up to a cap).

use std::time::Duration;

use rand::Rng as _;
use reqwest::header::HeaderMap;
use tokio_util::sync::CancellationToken;

use crate::request::BackendRequest;

/// How calls reach the backend.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub attempts: u32,
    /// Wait before the second attempt.
    pub backoff_initial: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// Longest `Retry-After` we wait for; a longer one is reported instead.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(2),
            retry_after_cap: Duration::from_secs(30),
        }
    }
}

/// A response as read (the body possibly cut at the limit).
#[derive(Debug)]
pub struct BackendResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, at most the limit.
    pub body: Vec<u8>,
    /// The body was longer than the limit and was cut.
    pub truncated: bool,
}

/// How a call ended.
#[derive(Debug)]
pub enum Outcome {
    /// The backend answered (any status).
    Response(BackendResponse),
    /// No answer within the timeout.
    Timeout { after: Duration },
    /// The backend could not be reached (or the connection broke).
    Connection { reason: String },
    /// The client cancelled the call.
    Cancelled,
}

/// One finished call: the outcome and how many attempts it took.
#[derive(Debug)]
pub struct Sent {
    /// How it ended.
    pub outcome: Outcome,
    /// Attempts made (1-based).
    pub attempts: u32,
}

/// The HTTP client side of the gateway.
#[derive(Debug, Clone)]
pub struct Backend {
    client: reqwest::Client,
    timeout: Duration,
    max_response_bytes: usize,
    retry: RetryPolicy,
}

impl Backend {
    /// A backend client: `timeout` per attempt (connect, send and read the
    /// whole body), bodies cut at `max_response_bytes`.
    pub fn new(
        client: reqwest::Client,
        timeout: Duration,
        max_response_bytes: usize,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            client,
            timeout,
            max_response_bytes,
            retry,
        }
    }

    /// The underlying client (for readiness checks).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request`, retrying as the policy allows, until done or
    /// `cancel` fires (which drops the in-flight request: the connection
    /// is closed, so the backend sees the abort).
    pub async fn send(
        &self,
        request: &BackendRequest,
        idempotent: bool,
        cancel: &CancellationToken,
    ) -> Sent {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = tokio::select! {
                biased;
                () = cancel.cancelled() => return Sent { outcome: Outcome::Cancelled, attempts: attempt },
                result = self.attempt(request) => result,
            };
            let last = attempt >= self.retry.attempts.max(1);
            let wait = match &result {
                Attempt::Refused(_) => Some(None),
                Attempt::TimedOut | Attempt::Broken(_) if idempotent => Some(None),
                Attempt::Done(response)
                    if idempotent && matches!(response.status, 429 | 502 | 503 | 504) =>
                {
                    match retry_after(&response.headers) {
                        Some(after) if after > self.retry.retry_after_cap => None,
                        after => Some(after),
                    }
                }
                _ => None,
            };
            match wait {
                Some(after) if !last => {
                    let delay = after.unwrap_or_else(|| self.backoff(attempt));
                    tracing::debug!(
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        reason = result.describe(),
                        "retrying the backend request"
                    );
                    tokio::select! {
                        () = cancel.cancelled() => return Sent { outcome: Outcome::Cancelled, attempts: attempt },
                        () = tokio::time::sleep(delay) => {}
                    }
                }
                _ => {
                    let outcome = match result {
                        Attempt::Done(response) => Outcome::Response(response),
                        Attempt::TimedOut => Outcome::Timeout {
                            after: self.timeout,
                        },
                        Attempt::Refused(reason) | Attempt::Broken(reason) => {
                            Outcome::Connection { reason }
                        }
                    };
                    return Sent {
                        outcome,
                        attempts: attempt,
                    };
                }
            }
        }
    }

    /// The wait after attempt `n` (1-based): initial × 2^(n-1), capped,
    /// minus up to 25% jitter so that clients do not retry in lockstep.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let base = self
            .retry
            .backoff_initial
            .saturating_mul(factor)
            .min(self.retry.backoff_max);
        let jitter = rand::rng().random_range(0.75..=1.0);
        base.mul_f64(jitter)
    }

    /// One attempt. reqwest's per-request timeout covers connecting,
    /// sending and reading the whole body (a dripping body times out too).
    async fn attempt(&self, request: &BackendRequest) -> Attempt {
        let sent = request
            .to_reqwest(&self.client)
            .timeout(self.timeout)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Attempt::from_error(&error),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        match read_limited(response, self.max_response_bytes).await {
            Err(error) => Attempt::from_error(&error),
            Ok((body, truncated)) => Attempt::Done(BackendResponse {
                status,
                headers,
                body,
                truncated,
            }),
        }
    }
}

enum Attempt {
    Done(BackendResponse),
    TimedOut,
    /// Never reached the backend: safe to retry any method.
    Refused(String),
    /// Broke after the request may have been sent.
    Broken(String),
}

impl Attempt {
    fn from_error(error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            Attempt::TimedOut
        } else if error.is_connect() {
            Attempt::Refused(error_chain(error))
        } else {
            Attempt::Broken(error_chain(error))
        }
    }

    fn describe(&self) -> String {
        match self {
            Attempt::Done(response) => format!("HTTP {}", response.status),
            Attempt::TimedOut => "timeout".to_owned(),
            Attempt::Refused(reason) | Attempt::Broken(reason) => reason.clone(),
        }
    }
}

/// An error and its causes, without the URL (it may carry a query secret;
/// the caller names the endpoint itself).
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        let text = error.to_string();
        // reqwest appends ` for url (…)`: keep the part before it.
        let text = text.split(" for url (").next().unwrap_or("request failed");
        parts.push(text.to_owned());
    }
    parts.join(": ")
}

/// Reads at most `limit` bytes; the flag says whether more were there.
async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(body.len());
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate_seconds(value)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(when.saturating_sub(now)))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds.
fn httpdate_seconds(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as u64
        + 1;
    let day: u64 = day.parse().ok()?;
    let year: u64 = year.parse().ok()?;
    let hms: Vec<u64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, mo) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// Retry-After as whole seconds, for error details.
pub fn retry_after_seconds(headers: &HeaderMap) -> Option<u64> {
    retry_after(headers).map(|d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        assert_eq!(
            httpdate_seconds("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(httpdate_seconds("yesterday"), None);
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let backend = Backend::new(
            reqwest::Client::new(),
            Duration::from_secs(1),
            10,
            RetryPolicy::default(),
        );
        for (attempt, max) in [(1, 1000), (2, 2000), (3, 2000), (9, 2000)] {
            let wait = backend.backoff(attempt).as_millis();
            assert!(
                wait <= max && wait >= max * 3 / 4,
                "attempt {attempt}: {wait} ms"
            );
        }
    }
}
