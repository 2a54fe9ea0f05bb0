//! Matcher throughput: the detector alone on in-memory buffers.
//!
//! - `source_mix`: source-like text in several languages with a key pair every 256 KiB and
//!   the usual near-misses (`task`, `disk`, `secretary`, `Altair`, hashes);
//! - `no_candidates`: the same kind of text with no keyword of any rule in it;
//! - `adversarial`: alphanumerics, `LTAI` every few bytes, 30-byte runs and secret keywords
//!   everywhere. Measured at 1 MiB and 4 MiB: linear time means equal throughput. The
//!   `one_line` variant has no line break at all (a minified file);
//! - `keyword_storm`: keywords every few bytes and no findings: `LTAI` every 2 to 9 bytes
//!   in one endless run of letters and digits, or (`all_rules`) the keywords of every rule
//!   every 1 to 6 bytes;
//! - `tree`: with `AKSCAN_BENCH_TREE=DIR`, the first 64 MiB of the text files under DIR
//!   (real source).
//!
//! Times are CPU time of the benchmark thread (see `gen::ThreadCpu`): throughput per core,
//! unaffected by other processes on a shared machine.
//!
//! Run: `cargo bench --bench matcher`.

use akscan::detect::rules::RuleSet;
use akscan::detect::{Detector, Scratch};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gen::ThreadCpu;
use std::hint::black_box;
use std::time::Duration;

mod gen;

const MIB: usize = 1 << 20;

fn matcher(c: &mut Criterion<ThreadCpu>) {
    let detector = Detector::new(RuleSet::builtin().unwrap());
    let mut scratch = Scratch::default();
    let mut g = c.benchmark_group("matcher");
    g.measurement_time(Duration::from_secs(4));
    g.sample_size(20);

    let mut inputs: Vec<(String, Vec<u8>)> = vec![
        ("source_mix/8MiB".into(), gen::source_mix(1, 8 * MIB, 32)),
        ("no_candidates/8MiB".into(), gen::no_candidates(2, 8 * MIB)),
        ("adversarial/1MiB".into(), gen::adversarial(3, MIB, true)),
        (
            "adversarial/4MiB".into(),
            gen::adversarial(3, 4 * MIB, true),
        ),
        (
            "adversarial_one_line/1MiB".into(),
            gen::adversarial(4, MIB, false),
        ),
        (
            "adversarial_one_line/4MiB".into(),
            gen::adversarial(4, 4 * MIB, false),
        ),
        (
            "keyword_storm/4MiB".into(),
            gen::keyword_storm(5, 4 * MIB, false),
        ),
        (
            "keyword_storm_all_rules/4MiB".into(),
            gen::keyword_storm(6, 4 * MIB, true),
        ),
    ];
    if let Some(dir) = std::env::var_os("AKSCAN_BENCH_TREE") {
        let buf = gen::load_tree(std::path::Path::new(&dir), 64 * MIB);
        inputs.push((format!("tree/{}MiB", buf.len() / MIB), buf));
    }
    for (name, buf) in &inputs {
        // sanity: the planted keys are found, the keyword-free text yields nothing
        let dets = detector.detect_with(buf, &mut scratch);
        let found = dets.len();
        if name.starts_with("source_mix") {
            assert_eq!(found, 64, "{name}: planted keys not all found");
        }
        if name.starts_with("no_candidates") || name.starts_with("keyword_storm") {
            assert_eq!(found, 0);
        }
        g.throughput(Throughput::Bytes(buf.len() as u64));
        g.bench_function(name.as_str(), |b| {
            b.iter(|| detector.detect_with(black_box(buf), &mut scratch).len())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu::new());
    targets = matcher
}
criterion_main!(benches);
