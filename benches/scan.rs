//! End-to-end scan of a generated tree on disk: walk, open, read, detect, build findings.
//!
//! The tree (in a temporary directory, warm in the page cache after the first iteration)
//! holds about 32 MiB of source-like text in ~4,000 files of 1-24 KiB across nested
//! directories and ten languages, plus one 24 MiB file read in several chunks; 100 key
//! pairs are planted and every one must be found. Measured with 1 and 2 threads.
//!
//! Run: `cargo bench --bench scan`.

use akscan::scan::{ScanOptions, Scanner};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;
use std::time::Duration;

mod gen;

const EXTS: &[&str] = &[
    "rs",
    "py",
    "go",
    "java",
    "js",
    "ts",
    "c",
    "yaml",
    "xml",
    "properties",
];

/// Writes the tree; returns (bytes written, key pairs planted).
fn build_tree(root: &Path) -> (u64, usize) {
    let mut rng = gen::Rng::new(42);
    let mut bytes = 0u64;
    let mut keys = 0;
    for i in 0..4000 {
        let dir = root.join(format!("d{}/s{}", i % 37, i % 11));
        std::fs::create_dir_all(&dir).unwrap();
        let size = 1024 + rng.below(23 * 1024);
        let planted = usize::from(i % 40 == 0);
        keys += planted;
        let data = gen::source_mix(i as u64, size, planted);
        bytes += data.len() as u64;
        let ext = rng.pick(EXTS);
        std::fs::write(dir.join(format!("f{i}.{ext}")), data).unwrap();
    }
    let big = gen::source_mix(7, 24 << 20, 0);
    bytes += big.len() as u64;
    std::fs::write(root.join("big.log"), big).unwrap();
    (bytes, keys)
}

fn scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, keys) = build_tree(dir.path());
    let scanner = Scanner::builtin();
    let mut g = c.benchmark_group("scan");
    g.measurement_time(Duration::from_secs(6));
    g.sample_size(20);
    g.throughput(Throughput::Bytes(bytes));
    for threads in [1usize, 2] {
        let opts = ScanOptions {
            paths: vec![dir.path().to_path_buf()],
            threads,
            ..ScanOptions::default()
        };
        let r = scanner.scan(&opts).unwrap();
        assert_eq!(r.findings.len(), 2 * keys, "planted keys not all found");
        assert_eq!(r.stats.bytes_scanned, bytes);
        g.bench_function(format!("tree_56MiB/{threads}_threads"), |b| {
            b.iter(|| scanner.scan(&opts).unwrap().findings.len())
        });
    }
    g.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
