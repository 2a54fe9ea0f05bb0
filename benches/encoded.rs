//! Decoding and archive support must cost nothing on ordinary source. Scans a generated
//! tree of plain source (strings, concatenations, format strings, escapes, continued
//! lines, credential-like names, but nothing encoded or packed) with decoding and
//! archives on, and with both off (the scan as it was before them).
//!
//! `cargo bench --bench encoded`; compare `plain-tree/decode+archives` with
//! `plain-tree/off`.

use std::path::Path;

use akscan::scan::{ScanOptions, Scanner};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Writes `files` source files of about `lines` lines each.
fn generate(root: &Path, files: usize, lines: usize) -> u64 {
    let mut total = 0u64;
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let kinds = ["rs", "py", "js", "c", "json", "yaml", "sh", "go"];
    for i in 0..files {
        let ext = kinds[i % kinds.len()];
        let mut s = String::new();
        for l in 0..lines {
            let n = next();
            let line = match n % 12 {
                0 => format!("    let msg = \"value \" + name + \" is {}\";\n", n % 1000),
                1 => format!("    printf(\"%d items, %s\\n\", count_{l}, label);\n"),
                2 => format!("    secret_name = config.get(\"secret_{l}\")  # not a value\n"),
                3 => format!(
                    "    url = \"https://example.com/api?page={}&q=a%20b\"\n",
                    n % 50
                ),
                4 => "    RUN apt-get update && \\\n".to_string(),
                5 => format!("    \"title\": \"caf\\u00e9 {}\",\n", n % 7),
                6 => format!("    hash = \"{:016x}{:016x}\"\n", n, next()),
                7 => "    // TODO: handle the error case properly before release\n".to_string(),
                8 => format!(
                    "    for (int i = 0; i < {}; i++) {{ total += v[i]; }}\n",
                    n % 100
                ),
                9 => format!("    log.info('{}' + ' done')\n", n % 9),
                10 => {
                    format!("    access_key_id = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID_{l}\"]\n")
                }
                _ => format!("    x_{l} = compute(a, b, {})\n", n % 13),
            };
            s.push_str(&line);
        }
        let dir = root.join(format!("d{}", i % 16));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("f{i}.{ext}")), &s).unwrap();
        total += s.len() as u64;
    }
    total
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let bytes = generate(dir.path(), 400, 400);
    let scanner = Scanner::builtin();
    let base = ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        threads: 1,
        ..ScanOptions::default()
    };
    let mut g = c.benchmark_group("plain-tree");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(20);
    g.bench_function("off", |b| {
        let opts = ScanOptions {
            decode: false,
            archives: false,
            ..base.clone()
        };
        b.iter(|| {
            let r = scanner.scan(&opts).unwrap();
            assert!(r.findings.is_empty());
        })
    });
    g.bench_function("decode+archives", |b| {
        b.iter(|| {
            let r = scanner.scan(&base).unwrap();
            assert!(r.findings.is_empty());
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
