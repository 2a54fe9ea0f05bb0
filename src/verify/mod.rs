//! Verify (`--verify`): asks Alibaba Cloud whether the credentials a scan found work, and
//! whose they are. A stage between finding and report: it reads findings (their kinds,
//! values and partner links), checks each distinct credential once, and writes the answer
//! and the adjusted severity back onto every finding that is part of it.
//!
//! What is checked: an AccessKey ID with its secret, and an STS AccessKey ID with its
//! secret and SecurityToken. A lone ID or secret cannot be checked and is left alone.
//! Nothing here touches the network unless [`run`] is called.

pub mod sign;
pub mod sts;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::detect::rules::{Kind, Severity};
use crate::finding::{Finding, Verification, VerifyStatus};
pub use sts::{Credential, DEFAULT_ENDPOINT};

/// Default time limit for one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// `http(s)://host[:port]/path`, as returned by [`parse_endpoint`].
    pub endpoint: String,
    /// Time limit for one request, from connecting to reading the answer.
    pub timeout: Duration,
    /// Most requests in flight at once.
    pub concurrency: usize,
    pub user_agent: String,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            timeout: DEFAULT_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            user_agent: user_agent(),
        }
    }
}

/// `akscan/<version>`: lets the service (and proxies) tell these requests apart.
pub fn user_agent() -> String {
    format!("akscan/{}", env!("CARGO_PKG_VERSION"))
}

/// Checks `--verify-endpoint`: an `http://` or `https://` URL without query or fragment,
/// or a bare host name (then `https://` is assumed). Returns it with a path (`/` if none).
pub fn parse_endpoint(s: &str) -> Result<String, String> {
    let t = s.trim();
    let full = if t.contains("://") {
        t.to_string()
    } else {
        format!("https://{t}")
    };
    let uri: ureq::http::Uri = full
        .parse()
        .map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    let scheme = uri.scheme_str().unwrap_or("");
    if scheme != "http" && scheme != "https" {
        return Err(format!(
            "`{s}`: the endpoint must be an http:// or https:// URL"
        ));
    }
    let Some(authority) = uri.authority() else {
        return Err(format!("`{s}`: the endpoint has no host"));
    };
    if authority.host().is_empty() {
        return Err(format!("`{s}`: the endpoint has no host"));
    }
    if uri.query().is_some() || full.contains('#') {
        return Err(format!(
            "`{s}`: the endpoint must not have a query or fragment"
        ));
    }
    let path = match uri.path() {
        "" => "/",
        p => p,
    };
    Ok(format!("{scheme}://{authority}{path}"))
}

/// Parses `--verify-timeout`: seconds (`10`, `2.5`), or with a unit (`500ms`, `10s`).
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (examples: 10, 2.5, 500ms)"))?;
    let secs = v * scale;
    if !secs.is_finite() || secs <= 0.0 || secs > 600.0 {
        return Err(format!(
            "`{s}`: the timeout must be more than 0 and at most 600 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Counts of what [`run`] found out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifySummary {
    /// Distinct credentials (pairs and STS triples) found.
    pub credentials: usize,
    /// Requests sent.
    pub requests: usize,
    pub active: usize,
    /// Active keys of a root account (also counted in `active`).
    pub root: usize,
    pub invalid: usize,
    pub expired: usize,
    pub unknown: usize,
    /// Things the user should know (plain-HTTP endpoint...).
    pub warnings: Vec<String>,
    pub endpoint: String,
}

impl VerifySummary {
    /// One line for stderr.
    pub fn line(&self) -> String {
        if self.credentials == 0 {
            return "akscan: --verify: no AccessKey pair or STS triple to check (a lone ID or secret cannot be checked)".to_string();
        }
        let mut s = format!(
            "akscan: verified {} credential{} with {}: {} active",
            self.credentials,
            if self.credentials == 1 { "" } else { "s" },
            self.endpoint,
            self.active
        );
        if self.root > 0 {
            s.push_str(&format!(" ({} ROOT ACCOUNT)", self.root));
        }
        s.push_str(&format!(
            ", {} invalid, {} expired, {} unknown",
            self.invalid, self.expired, self.unknown
        ));
        s
    }
}

/// A credential and the findings that make it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub credential: Credential,
    /// Indices into the findings slice: the ID, the secret and any SecurityToken.
    pub members: Vec<usize>,
    /// STS credentials; without a token they cannot be checked.
    pub sts: bool,
}

/// Finds the distinct credentials among `findings`, from their kinds and partner links.
/// Each distinct (ID, secret, token) appears once, with every finding that holds a part.
pub fn credentials(findings: &[Finding]) -> Vec<Group> {
    let by_fp: HashMap<&str, usize> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f.fingerprint.as_str(), i))
        .collect();
    let partner = |i: usize| -> Option<usize> {
        findings[i]
            .pair
            .as_deref()
            .and_then(|fp| by_fp.get(fp).copied())
    };
    let secret_kind = |k: Kind| match k {
        Kind::AccessKeyId => Some(Kind::AccessKeySecret),
        Kind::StsAccessKeyId => Some(Kind::StsAccessKeySecret),
        _ => None,
    };
    // (id, secret) pairs, from links in either direction
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(p) = partner(i) else { continue };
        let pk = findings[p].kind;
        if secret_kind(f.kind) == Some(pk) {
            pairs.push((i, p));
        } else if secret_kind(pk) == Some(f.kind) {
            pairs.push((p, i));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    // SecurityTokens of each STS ID
    let mut tokens: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(p) = partner(i) else { continue };
        let (id, tok) = if f.kind == Kind::StsSecurityToken {
            (p, i)
        } else if findings[p].kind == Kind::StsSecurityToken {
            (i, p)
        } else {
            continue;
        };
        if findings[id].kind == Kind::StsAccessKeyId {
            let v = tokens.entry(id).or_default();
            if !v.contains(&tok) {
                v.push(tok);
            }
        }
    }
    let mut groups: BTreeMap<Credential, (Vec<usize>, bool)> = BTreeMap::new();
    for (id, secret) in pairs {
        let sts = findings[id].kind == Kind::StsAccessKeyId;
        let base = Credential {
            id: findings[id].secret.expose().to_string(),
            secret: findings[secret].secret.clone(),
            token: None,
        };
        let toks = tokens.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        if sts && !toks.is_empty() {
            for &t in toks {
                let cred = Credential {
                    token: Some(findings[t].secret.clone()),
                    ..base.clone()
                };
                let e = groups.entry(cred).or_insert((Vec::new(), sts));
                e.0.extend([id, secret, t]);
            }
        } else {
            let e = groups.entry(base).or_insert((Vec::new(), sts));
            e.0.extend([id, secret]);
        }
    }
    groups
        .into_iter()
        .map(|(credential, (mut members, sts))| {
            members.sort_unstable();
            members.dedup();
            Group {
                credential,
                members,
                sts,
            }
        })
        .collect()
}

/// The severity a finding gets once its credential has been checked: an active root
/// account key is critical, any other active key at least high, a dead one low.
pub fn adjusted_severity(current: Severity, v: &Verification) -> Severity {
    match v.status {
        VerifyStatus::Active if v.is_root() => Severity::Critical,
        VerifyStatus::Active => current.max(Severity::High),
        VerifyStatus::Invalid | VerifyStatus::Expired => current.min(Severity::Low),
        VerifyStatus::Unknown => current,
    }
}

/// Which answer a finding keeps when it is part of several credentials (an ID seen with
/// two secrets): a working one first, then no answer (never lower a severity on a guess),
/// then expired, then invalid.
fn rank(s: VerifyStatus) -> u8 {
    match s {
        VerifyStatus::Active => 3,
        VerifyStatus::Unknown => 2,
        VerifyStatus::Expired => 1,
        VerifyStatus::Invalid => 0,
    }
}

/// Checks every distinct credential in `findings` against the STS endpoint in `opts` and
/// records the answers (and adjusted severities) on the findings.
pub fn run(findings: &mut [Finding], opts: &VerifyOptions) -> VerifySummary {
    let client = sts::Client::new(&opts.endpoint, opts.timeout, &opts.user_agent);
    let mut summary = run_with(findings, opts.concurrency, |c| {
        client.get_caller_identity(c)
    });
    summary.endpoint = opts.endpoint.clone();
    if let Some(w) = plain_http_warning(&opts.endpoint) {
        summary.warnings.push(w);
    }
    summary
}

/// Like [`run`], with `check` answering for each credential (tests use a fake).
pub fn run_with<F>(findings: &mut [Finding], concurrency: usize, check: F) -> VerifySummary
where
    F: Fn(&Credential) -> Verification + Sync,
{
    let groups = credentials(findings);
    let mut summary = VerifySummary {
        credentials: groups.len(),
        ..VerifySummary::default()
    };
    let mut results: Vec<Option<Verification>> = vec![None; groups.len()];
    let mut jobs: Vec<usize> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        if g.sts && g.credential.token.is_none() {
            results[gi] = Some(Verification {
                status: VerifyStatus::Unknown,
                reason: "no SecurityToken was found with this STS AccessKey pair, and STS \
                         credentials cannot be checked without it"
                    .to_string(),
                code: None,
                http_status: None,
                request_id: None,
                identity: None,
                endpoint: String::new(),
                advice: None,
            });
        } else {
            jobs.push(gi);
        }
    }
    summary.requests = jobs.len();
    let answers: Mutex<Vec<(usize, Verification)>> = Mutex::new(Vec::with_capacity(jobs.len()));
    let next = AtomicUsize::new(0);
    let workers = concurrency.max(1).min(jobs.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let j = next.fetch_add(1, Ordering::Relaxed);
                let Some(&gi) = jobs.get(j) else { break };
                let v = check(&groups[gi].credential);
                answers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((gi, v));
            });
        }
    });
    for (gi, v) in answers.into_inner().unwrap_or_else(|e| e.into_inner()) {
        results[gi] = Some(v);
    }
    // the answer each finding keeps
    let mut chosen: HashMap<usize, Verification> = HashMap::new();
    for (g, v) in groups.iter().zip(results) {
        let Some(v) = v else { continue };
        match v.status {
            VerifyStatus::Active => {
                summary.active += 1;
                if v.is_root() {
                    summary.root += 1;
                }
            }
            VerifyStatus::Invalid => summary.invalid += 1,
            VerifyStatus::Expired => summary.expired += 1,
            VerifyStatus::Unknown => summary.unknown += 1,
        }
        for &m in &g.members {
            let better = chosen
                .get(&m)
                .is_none_or(|old| rank(v.status) > rank(old.status));
            if better {
                chosen.insert(m, v.clone());
            }
        }
    }
    for (i, v) in chosen {
        let f = &mut findings[i];
        f.severity = adjusted_severity(f.severity, &v);
        f.verification = Some(v);
    }
    summary
}

/// A warning when requests would travel unencrypted to another machine.
fn plain_http_warning(endpoint: &str) -> Option<String> {
    let rest = endpoint.strip_prefix("http://")?;
    let host = rest.split(['/', ':']).next().unwrap_or("");
    let loopback = host == "localhost" || host.starts_with("127.") || rest.starts_with("[::1]");
    if loopback {
        None
    } else {
        Some(format!(
            "--verify-endpoint {endpoint} is plain HTTP: the signed requests (and any STS SecurityToken) travel unencrypted"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Scanner;

    const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
    const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

    fn answer(status: VerifyStatus, identity_type: Option<&str>) -> Verification {
        Verification {
            status,
            reason: "r".into(),
            code: None,
            http_status: Some(200),
            request_id: None,
            identity: identity_type.map(|t| crate::finding::Identity {
                account_id: "1234567890123456".into(),
                identity_type: t.into(),
                arn: "acs:ram::1234567890123456:root".into(),
                principal_id: "1234567890123456".into(),
                user_id: None,
                role_id: None,
            }),
            endpoint: String::new(),
            advice: None,
        }
    }

    fn pair_findings() -> Vec<Finding> {
        let src = format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n");
        Scanner::builtin().scan_bytes("conf.toml", src.as_bytes())
    }

    #[test]
    fn a_pair_is_one_credential() {
        let f = pair_findings();
        assert_eq!(f.len(), 2, "{f:?}");
        let g = credentials(&f);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].credential.id, ID);
        assert_eq!(g[0].credential.secret.expose(), SECRET);
        assert_eq!(g[0].members, vec![0, 1]);
        assert!(!g[0].sts);
    }

    #[test]
    fn the_same_pair_twice_is_checked_once() {
        let src = format!(
            "access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n\n\n\n\n\n\n\n\naccess_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"
        );
        let mut f = Scanner::builtin().scan_bytes("conf.toml", src.as_bytes());
        assert_eq!(f.len(), 4);
        let calls = AtomicUsize::new(0);
        let s = run_with(&mut f, 4, |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            answer(VerifyStatus::Active, Some("RAMUser"))
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(s.credentials, 1);
        assert!(f.iter().all(|x| x.verification.is_some()));
        assert!(f.iter().all(|x| x.severity == Severity::High));
    }

    #[test]
    fn root_is_critical_and_dead_is_low() {
        let mut f = pair_findings();
        let s = run_with(&mut f, 1, |_| answer(VerifyStatus::Active, Some("Account")));
        assert_eq!((s.active, s.root), (1, 1));
        assert!(f.iter().all(|x| x.severity == Severity::Critical));
        let mut f = pair_findings();
        run_with(&mut f, 1, |_| answer(VerifyStatus::Invalid, None));
        assert!(f.iter().all(|x| x.severity == Severity::Low));
        let mut f = pair_findings();
        let before: Vec<Severity> = f.iter().map(|x| x.severity).collect();
        run_with(&mut f, 1, |_| answer(VerifyStatus::Unknown, None));
        assert_eq!(before, f.iter().map(|x| x.severity).collect::<Vec<_>>());
    }

    const STS_ID: &str = "STS.NUttYpATIk27f4t3tGolUByxR";
    const STS_SECRET: &str = "mXBYQ0DVbpag1xYKiuMw7TpHD8BHbNdZU0NYJ2gC";
    const TOKEN: &str = "CAIS9gF1q6Ft5B2yfSjIr5bSEsj4g7BihPWGWHz8wEUtEpPRgZ7g0v2N3NjPn+k2Z7fK8lVhT4ZcW1mQqT9rLbX0sYeP3jH6dN2aA5uV8xCzR4tB7wE1oI0pK9nM3lS6gJ2hF5dY8cQ=";

    #[test]
    fn an_sts_triple_is_one_credential() {
        let src = format!(
            "{{\n  \"AccessKeyId\": \"{STS_ID}\",\n  \"AccessKeySecret\": \"{STS_SECRET}\",\n  \"SecurityToken\": \"{TOKEN}\"\n}}\n"
        );
        let mut f = Scanner::builtin().scan_bytes("sts.json", src.as_bytes());
        assert_eq!(f.len(), 3, "{f:?}");
        let g = credentials(&f);
        assert_eq!(g.len(), 1);
        assert!(g[0].sts);
        assert_eq!(g[0].credential.id, STS_ID);
        assert_eq!(g[0].credential.token.as_ref().unwrap().expose(), TOKEN);
        assert_eq!(g[0].members, vec![0, 1, 2]);
        let s = run_with(&mut f, 2, |c| {
            assert!(c.token.is_some());
            answer(VerifyStatus::Expired, None)
        });
        assert_eq!((s.requests, s.expired), (1, 1));
        assert!(f.iter().all(|x| x.severity == Severity::Low));
    }

    #[test]
    fn an_sts_pair_without_token_is_not_sent() {
        let src = format!("AccessKeyId: {STS_ID}\nAccessKeySecret: {STS_SECRET}\n");
        let mut f = Scanner::builtin().scan_bytes("sts.yaml", src.as_bytes());
        assert_eq!(f.len(), 2, "{f:?}");
        let s = run_with(&mut f, 2, |_| panic!("must not be sent"));
        assert_eq!((s.credentials, s.requests, s.unknown), (1, 0, 1));
        for x in &f {
            let v = x.verification.as_ref().unwrap();
            assert_eq!(v.status, VerifyStatus::Unknown);
            assert!(v.reason.contains("SecurityToken"));
        }
    }

    #[test]
    fn lone_values_are_not_checked() {
        let mut f = Scanner::builtin().scan_bytes("a.py", format!("key_id = '{ID}'\n").as_bytes());
        assert_eq!(f.len(), 1);
        let s = run_with(&mut f, 2, |_| panic!("nothing to check"));
        assert_eq!(s.credentials, 0);
        assert!(f[0].verification.is_none());
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            parse_endpoint("https://sts.aliyuncs.com").unwrap(),
            "https://sts.aliyuncs.com/"
        );
        assert_eq!(
            parse_endpoint("sts.cn-hangzhou.aliyuncs.com").unwrap(),
            "https://sts.cn-hangzhou.aliyuncs.com/"
        );
        assert_eq!(
            parse_endpoint("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080/"
        );
        assert!(parse_endpoint("ftp://x/").is_err());
        assert!(parse_endpoint("https://x/?a=b").is_err());
        assert!(parse_endpoint("https:///").is_err());
        assert!(plain_http_warning("http://sts.example.com/").is_some());
        assert!(plain_http_warning("http://127.0.0.1:9/").is_none());
        assert!(plain_http_warning("https://sts.aliyuncs.com/").is_none());
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_timeout("2.5").unwrap(), Duration::from_millis(2500));
        assert_eq!(parse_timeout("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_timeout("3s").unwrap(), Duration::from_secs(3));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("soon").is_err());
        assert!(parse_timeout("1e9").is_err());
    }
}
