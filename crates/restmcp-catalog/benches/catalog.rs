//! Load + catalogue benchmark on the largest real document we plan for: the
//! GitHub REST API description (13 MB, 1,223 operations), from the shared
//! corpus. Measures `restmcp_spec::parse_str` (parse, resolve, normalize) and
//! `restmcp_catalog::build` separately and together, against a baseline of
//! plain `serde_json` parsing of the same text.
//!
//! Run: `cargo bench -p restmcp-catalog --bench catalog`
//! Peak memory of the same pipeline through the binary:
//! `/usr/bin/time -v target/release/restmcp tools --stats ../shared/corpus/github/api.github.com.json`

use std::hint::black_box;

/// The allocator `restmcp` ships with, so the numbers are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use restmcp_catalog::CatalogOptions;
use restmcp_spec::{LoadOptions, Origin};

fn github(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/github/api.github.com.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!(
                "skipping: cannot read {}: {err} (is ../shared beside the repo?)",
                path.display()
            );
            return;
        }
    };
    let load = LoadOptions::default();
    let options = CatalogOptions::default();
    let origin = || Origin::File(path.clone());

    let mut group = c.benchmark_group("github");
    group.sample_size(20);
    // Baseline measured in the same run: only parsing the text into a
    // `serde_json::Value`, the floor any loader pays. Report the others as
    // ratios to it (machines here are noisy).
    group.bench_function("baseline_serde_json_parse", |b| {
        b.iter(|| {
            serde_json::from_str::<serde_json::Value>(black_box(&text))
                .expect("GitHub spec is JSON")
        });
    });
    group.bench_function("parse_normalize", |b| {
        b.iter(|| {
            restmcp_spec::parse_str(black_box(&text), origin(), &load).expect("GitHub spec loads")
        });
    });
    let spec = restmcp_spec::parse_str(&text, origin(), &load).expect("GitHub spec loads");
    group.bench_function("catalog", |b| {
        b.iter(|| {
            restmcp_catalog::build(black_box(&spec.document), &options).expect("catalog builds")
        });
    });
    group.bench_function("load_and_catalog", |b| {
        b.iter(|| {
            let spec = restmcp_spec::parse_str(black_box(&text), origin(), &load)
                .expect("GitHub spec loads");
            restmcp_catalog::build(&spec.document, &options).expect("catalog builds")
        });
    });
    group.finish();
}

criterion_group!(benches, github);
criterion_main!(benches);
