//! Deterministic inputs for the benchmarks: source-like text in several languages, text
//! with no keyword at all, adversarial text, and planted key pairs. Same seed, same bytes.

#![allow(dead_code)]

/// A small deterministic generator (xorshift64*): benchmarks must not depend on `rand`.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `n` random letters and digits.
pub fn alnum(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| *rng.pick(ALNUM) as char).collect()
}

/// A key pair that passes every filter: mixed case and digits, no long repeats or runs.
pub fn key_pair(rng: &mut Rng) -> (String, String) {
    fn ok(s: &str) -> bool {
        let b = s.as_bytes();
        let lower = b.iter().any(|c| c.is_ascii_lowercase());
        let upper = b.iter().any(|c| c.is_ascii_uppercase());
        let digit = b.iter().any(|c| c.is_ascii_digit());
        let runs = b
            .windows(3)
            .any(|w| w[0] == w[1] && w[1] == w[2] || (w[1] == w[0] + 1 && w[2] == w[1] + 1));
        lower && upper && digit && !runs
    }
    loop {
        let id = format!("LTAI{}", alnum(rng, 20));
        let secret = alnum(rng, 30);
        if ok(&id[4..]) && ok(&secret) {
            return (id, secret);
        }
    }
}

const WORDS: &[&str] = &[
    "value",
    "count",
    "index",
    "buffer",
    "result",
    "config",
    "handler",
    "request",
    "response",
    "client",
    "server",
    "stream",
    "reader",
    "writer",
    "parse",
    "format",
    "options",
    "context",
    "error",
    "status",
    "message",
    "items",
    "length",
    "offset",
    "table",
    "record",
    "session",
    "task",
    "disk",
    "mask",
    "ask",
    "risk",
    "desk",
    "flask",
    "kiosk",
    "basket",
    "secretary",
    "user",
    "name",
    "path",
    "file",
    "data",
    "node",
    "tree",
    "list",
    "map",
    "key",
    "entry",
    "state",
    "event",
    "queue",
    "cache",
    "lock",
    "mutex",
    "thread",
    "pool",
    "worker",
    "job",
    "STATUS",
    "DEFAULT",
    "MAX_SIZE",
    "LTAIR",
    "Altair",
    "CAISSON",
    "STS",
    "else",
    "case",
];

fn ident(rng: &mut Rng) -> String {
    let a = rng.pick(WORDS);
    match rng.below(4) {
        0 => a.to_string(),
        1 => format!("{a}_{}", rng.pick(WORDS)),
        2 => {
            let b = rng.pick(WORDS);
            let mut c = b.to_string();
            if let Some(f) = c.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            format!("{a}{c}")
        }
        _ => format!("{a}{}", rng.below(100)),
    }
}

/// One line of source in a random language.
pub fn source_line(rng: &mut Rng) -> String {
    let (a, b, c) = (ident(rng), ident(rng), ident(rng));
    let n = rng.below(100_000);
    match rng.below(16) {
        0 => format!("    let {a} = {b}.{c}({n})?;"),
        1 => format!("    if {a} > {n} {{ return Err(Error::new(\"{b} {c} failed\")); }}"),
        2 => format!("def {a}(self, {b}, {c}={n}):"),
        3 => format!("        return self.{a}.get(\"{b}\", {n})"),
        4 => format!("public static final int {} = {n};", a.to_ascii_uppercase()),
        5 => format!("    private final {b} {a} = new {c}();"),
        6 => format!("func ({a} *{b}) {c}(ctx context.Context) error {{"),
        7 => format!("\t{a}, err := {b}.{c}(ctx, {n})"),
        8 => format!("const {a} = require('{b}').{c};"),
        9 => format!("  {a}: {{ type: '{b}', default: {n} }},"),
        10 => format!("// {a} {b} {c}: see the {b} documentation for details ({n})"),
        11 => format!("static int {a}(struct {b} *{c}, size_t n) {{ return n * {n}; }}"),
        12 => format!("{a}:\n  {b}: \"{c}\"\n  replicas: {n}"),
        13 => format!("<{a} name=\"{b}\" value=\"{c}\" size=\"{n}\"/>"),
        14 => {
            let n = 12 + rng.below(30);
            format!("  \"{a}\": \"{}\",", alnum(rng, n))
        }
        _ => format!(
            "# {a}_{b}={c} # hash {:016x}{:016x}",
            rng.next(),
            rng.next()
        ),
    }
}

/// The keywords of the built-in rules, in the forms the detector looks for.
fn has_keyword(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.contains("secret")
        || l.contains("sk")
        || line.contains("LTAI")
        || line.contains("STS.")
        || line.contains("CAIS")
        || line.contains("CAES")
}

/// About `size` bytes of source with `keys` key pairs planted at even intervals.
pub fn source_mix(seed: u64, size: usize, keys: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(size + 256);
    let every = size / (keys + 1);
    let mut next_key = every;
    let mut planted = 0;
    while out.len() < size {
        if planted < keys && out.len() >= next_key {
            planted += 1;
            let (id, secret) = key_pair(&mut rng);
            out.push_str(&format!(
                "ALIBABA_CLOUD_ACCESS_KEY_ID = \"{id}\"\nALIBABA_CLOUD_ACCESS_KEY_SECRET = \"{secret}\"\n"
            ));
            next_key += every;
        }
        out.push_str(&source_line(&mut rng));
        out.push('\n');
    }
    out.into_bytes()
}

/// About `size` bytes of source in which no keyword of any rule occurs.
pub fn no_candidates(seed: u64, size: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(size + 256);
    while out.len() < size {
        let line = source_line(&mut rng);
        if !has_keyword(&line) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// Worst case for the detector: alphanumerics everywhere, `LTAI` every few bytes, 30-byte
/// runs and secret keywords on every line, and few line breaks (wide windows) or, without
/// `newlines`, none at all (one line of megabytes, as in minified files).
pub fn adversarial(seed: u64, size: usize, newlines: bool) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(size + 256);
    while out.len() < size {
        match rng.below(8) {
            0 => out.extend_from_slice(b"LTAI"),
            1 => {
                out.extend_from_slice(b"LTAI");
                let n = 12 + rng.below(9);
                out.extend_from_slice(alnum(&mut rng, n).as_bytes());
            }
            2 => out.extend_from_slice(alnum(&mut rng, 30).as_bytes()),
            3 => out.extend_from_slice(b" secret="),
            4 => out.extend_from_slice(b"_SK:"),
            5 => out.extend_from_slice(b"\"STS.CAIS"),
            6 => {
                let n = 1 + rng.below(6);
                out.extend_from_slice(alnum(&mut rng, n).as_bytes())
            }
            _ => out.push(if newlines && rng.below(40) == 0 {
                b'\n'
            } else {
                b' '
            }),
        }
    }
    out.truncate(size);
    out
}

/// Keywords every few bytes and nothing that passes as a key: one endless run of letters
/// and digits with `LTAI` every 2 to 9 bytes, or (`all_rules`) the keywords of every rule
/// (`LTAI`, `secret`, `SECRET`, `sk`, `STS.`, `CAIS`) every 1 to 6 bytes, a line break
/// every few hundred. What the matcher costs when it cannot skip anything, without the
/// cost of findings.
pub fn keyword_storm(seed: u64, size: usize, all_rules: bool) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(size + 16);
    let keywords: &[&[u8]] = if all_rules {
        &[b"LTAI", b"secret", b"SECRET", b"sk", b"STS.", b"CAIS"]
    } else {
        &[b"LTAI"]
    };
    while out.len() < size {
        let n = if all_rules {
            1 + rng.below(6)
        } else {
            2 + rng.below(8)
        };
        out.extend_from_slice(alnum(&mut rng, n).as_bytes());
        out.extend_from_slice(keywords[rng.below(keywords.len())]);
        if all_rules && rng.below(100) == 0 {
            out.push(b'\n');
        }
    }
    out.truncate(size);
    out
}

/// Up to `limit` bytes of the text files under `root` (sorted walk, binary files
/// skipped), concatenated: real source for the matcher benchmark.
pub fn load_tree(root: &std::path::Path, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.path()));
        for e in entries {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                let Ok(data) = std::fs::read(e.path()) else {
                    continue;
                };
                if data[..data.len().min(8192)].contains(&0) {
                    continue;
                }
                out.extend_from_slice(&data);
                if out.len() >= limit {
                    out.truncate(limit);
                    return out;
                }
            }
        }
    }
    out
}

/// Criterion measurement by CPU time of the measuring thread, so that throughput is per
/// core and stays meaningful on a loaded machine (wall time counts the time other
/// processes held the core).
pub struct ThreadCpu {
    wall: criterion::measurement::WallTime,
}

impl ThreadCpu {
    pub fn new() -> ThreadCpu {
        ThreadCpu {
            wall: criterion::measurement::WallTime,
        }
    }
}

fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

impl criterion::measurement::Measurement for ThreadCpu {
    type Intermediate = f64;
    type Value = f64;
    fn start(&self) -> f64 {
        thread_cpu_ns()
    }
    fn end(&self, start: f64) -> f64 {
        thread_cpu_ns() - start
    }
    fn add(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }
    fn zero(&self) -> f64 {
        0.0
    }
    fn to_f64(&self, v: &f64) -> f64 {
        *v
    }
    fn formatter(&self) -> &dyn criterion::measurement::ValueFormatter {
        // nanoseconds, like wall time: the same units and throughput display
        criterion::measurement::Measurement::formatter(&self.wall)
    }
}
