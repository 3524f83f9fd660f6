//! Cost of authenticating one HTTP request with static bearer tokens: the
//! presented token is hashed once and compared in constant time with every
//! stored hash, so the cost grows with the number of callers. Baseline in the
//! same run: the SHA-256 of the token alone.
//!
//! Run: `cargo bench -p restmcp-gateway --bench inbound`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use restmcp_gateway::{StaticTokens, TokenSource};
use sha2::{Digest as _, Sha256};

fn token(i: usize) -> String {
    format!("{i:08}-bench-token-0123456789abcdefghijklmnop")
}

fn mapping(callers: usize) -> StaticTokens {
    let text: String = (0..callers)
        .map(|i| format!("caller-{i} {}\n", token(i)))
        .collect();
    match StaticTokens::parse(&text, &TokenSource::Env("BENCH".into())) {
        Ok(tokens) => tokens,
        Err(err) => panic!("bench mapping does not parse: {err}"),
    }
}

fn static_tokens(c: &mut Criterion) {
    let mut group = c.benchmark_group("inbound_static_tokens");
    let presented = token(0);
    group.bench_function("baseline_sha256_of_token", |b| {
        b.iter(|| Sha256::digest(black_box(presented.as_bytes())));
    });
    for callers in [1, 100, 1000] {
        let tokens = mapping(callers);
        let last = token(callers - 1);
        group.bench_function(format!("{callers}_callers_match"), |b| {
            b.iter(|| tokens.caller_of(black_box(&last)).is_some());
        });
        group.bench_function(format!("{callers}_callers_no_match"), |b| {
            b.iter(|| tokens.caller_of(black_box("nobody-0123456789-0123456789-0123456789")));
        });
    }
    group.finish();
}

criterion_group!(benches, static_tokens);
criterion_main!(benches);
