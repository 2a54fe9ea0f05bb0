//! `--verify` end to end: the built binary against a fake STS server on 127.0.0.1.
//!
//! The fake server recomputes the RPC V1 signature of every request itself (percent-encoding,
//! HMAC-SHA1 and base64 written here, not taken from akscan) and answers the way STS
//! `GetCallerIdentity` does. It records every request so the tests can check that no secret
//! ever left the process. Every loop is bounded in count and time: a broken test fails, it
//! does not hang.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;

const ACCOUNT: &str = "1827364554637281";

// Long-term pairs (random values made for these tests).
const ROOT_ID: &str = "LTAI5tM0XvqZjxTW3xvboSRt";
const ROOT_SECRET: &str = "5Mh3dAwVtRMflhbmuaptt0Azn0DNRU";
const RAM_ID: &str = "LTAI5tQxA71p2Td8VKqxryo1";
const RAM_SECRET: &str = "nIj7BRd03Q2ybv097SHzxgQA6TCvY4";
const GONE_ID: &str = "LTAI5tdhKMlRdZQ9QsTXUuSn";
const GONE_SECRET: &str = "H6av1Ib8pp1xxXHU0BScJXj675eVq3";
const ROTATED_ID: &str = "LTAI5t0XYqaNUDqN9Nifp28u";
const ROTATED_SECRET_FOUND: &str = "wCDydesokF5NSAllsNdV40J599dTCZ";
const ROTATED_SECRET_REAL: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
const FLAKY_ID: &str = "LTAI5tWZYvRSZeyx4Ag8Ssax";
const FLAKY_SECRET: &str = "Tmknuj64AX6VM2ewMuBY6rfNcAKEIO";
const SLOW_ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SLOW_SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

// STS triples.
const ROLE_ID: &str = "STS.NUttYpATIk27f4t3tGolUByxR";
const ROLE_SECRET: &str = "mXBYQ0DVbpag1xYKiuMw7TpHD8BHbNdZU0NYJ2gC";
const OLD_ID: &str = "STS.NlNbc7Hrd0APsmYaUSRCsllZq";
const OLD_SECRET: &str = "3ZycZOkN8gaW18vjsgJ0Wu8FxTwXqxni7z9KwRkN";
// A hostile server: a user name made to run commands, and a token echoed back.
const EVIL_ID: &str = "LTAI5tqSyY3v6ysjB6f2RsDL";
const EVIL_SECRET: &str = "HZg8RakGnRAxPcTM82aLz4EJqqeJJA";
const ECHO_ID: &str = "STS.N8AP2PL8LUWNk9urPMvNaVBZc";
const ECHO_SECRET: &str = "LKSEXV5poApuwXEVY5VgvWMggwMDSByY7bBm3cZa";
/// What the hostile server puts after `user/` in the Arn (JSON-escaped).
const EVIL_USER: &str = r"$(touch pwned);x\nrm -rf ~\u001b]0;t\u0007 \u202e";

fn token(seed: u64) -> String {
    // a SecurityToken-shaped value: CAIS + base64 of pseudo-random bytes
    let mut x = seed | 1;
    let bytes: Vec<u8> = (0..380)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    format!(
        "CAIS{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[derive(Clone)]
enum Answer {
    Identity {
        identity_type: &'static str,
        arn: String,
        principal: &'static str,
    },
    Expired,
    ServerError,
    Slow(Duration),
    /// An error whose `Code`, `RequestId` and `Message` echo the request's SecurityToken
    /// and hold terminal escapes and a workflow command.
    Echo,
}

#[derive(Clone)]
struct Account {
    id: &'static str,
    secret: &'static str,
    token: Option<String>,
    answer: Answer,
}

#[derive(Debug, Clone)]
struct Seen {
    raw: String,
    params: Vec<(String, String)>,
    user_agent: Option<String>,
    via_proxy: bool,
}

struct FakeSts {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for FakeSts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl FakeSts {
    fn start(accounts: Vec<Account>) -> FakeSts {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let accounts = Arc::new(accounts);
        let nonces: Arc<Mutex<HashSet<String>>> = Arc::default();
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            // at most 100 connections and 120 seconds, whatever happens
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut served = 0;
            while served < 100 && Instant::now() < deadline && !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let (a, s, n) = (accounts.clone(), seen2.clone(), nonces.clone());
                        std::thread::spawn(move || serve(stream, &a, &s, &n));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakeSts {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Reads one request head (request line and headers) from `r`.
fn read_head(r: &mut BufReader<TcpStream>) -> Option<(String, Vec<String>)> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let request_line = line.trim_end().to_string();
    if request_line.is_empty() {
        return None;
    }
    let mut headers = Vec::new();
    for _ in 0..100 {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            break;
        }
        let h = h.trim_end().to_string();
        if h.is_empty() {
            break;
        }
        headers.push(h);
    }
    Some((request_line, headers))
}

fn serve(
    stream: TcpStream,
    accounts: &[Account],
    seen: &Mutex<Vec<Seen>>,
    nonces: &Mutex<HashSet<String>>,
) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut out = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    let Some((mut line, mut headers)) = read_head(&mut r) else {
        return;
    };
    let mut via_proxy = false;
    if line.starts_with("CONNECT ") {
        // act as the proxy and, through the tunnel, as the server
        via_proxy = true;
        let _ = out.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let Some(next) = read_head(&mut r) else {
            return;
        };
        (line, headers) = next;
    }
    let target = line.split(' ').nth(1).unwrap_or("");
    if target.starts_with("http://") {
        via_proxy = true; // absolute form: a forwarding proxy request
    }
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    let user_agent = headers.iter().find_map(|h| {
        let (k, v) = h.split_once(':')?;
        k.eq_ignore_ascii_case("user-agent")
            .then(|| v.trim().to_string())
    });
    let raw = format!("{line}\r\n{}", headers.join("\r\n"));
    seen.lock().unwrap().push(Seen {
        raw,
        params: params.clone(),
        user_agent,
        via_proxy,
    });
    let (status, body, delay) = answer(&params, accounts, nonces);
    if let Some(d) = delay {
        std::thread::sleep(d);
    }
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let _ = write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = out.flush();
    // drain anything else so the client sees a clean close
    let _ = r
        .get_mut()
        .set_read_timeout(Some(Duration::from_millis(50)));
    let mut sink = [0u8; 256];
    let _ = r.read(&mut sink);
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("valid %XY"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// Percent-encoding of the RPC signature, written out byte by byte.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.' || c == b'~' {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

fn expected_signature(params: &[(String, String)], secret: &str) -> String {
    let mut p: Vec<&(String, String)> = params.iter().filter(|(k, _)| k != "Signature").collect();
    p.sort();
    let canonical = p
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let to_sign = format!("GET&{}&{}", encode("/"), encode(&canonical));
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn error(code: &str, message: &str) -> String {
    format!(
        r#"{{"RequestId":"6C6B99AC-39EC-4B6A-8E6F-7C1A3B0D2E11","HostId":"sts.aliyuncs.com","Code":"{code}","Message":"{message}","Recommend":"https://api.aliyun.com/troubleshoot"}}"#
    )
}

/// What STS would answer, and how long to wait before answering.
fn answer(
    params: &[(String, String)],
    accounts: &[Account],
    nonces: &Mutex<HashSet<String>>,
) -> (u16, String, Option<Duration>) {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    for k in [
        "AccessKeyId",
        "Action",
        "Format",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Timestamp",
        "Version",
        "Signature",
    ] {
        if get(k).is_none() {
            return (400, error("MissingParameter", k), None);
        }
    }
    let fixed = [
        ("Action", "GetCallerIdentity"),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("Version", "2015-04-01"),
    ];
    for (k, v) in fixed {
        if get(k) != Some(v) {
            return (400, error("InvalidParameter", k), None);
        }
    }
    let ts = get("Timestamp").unwrap().as_bytes();
    let shape_ok = ts.len() == 20
        && ts.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return (400, error("InvalidTimeStamp.Format", "bad timestamp"), None);
    }
    if !nonces
        .lock()
        .unwrap()
        .insert(get("SignatureNonce").unwrap().to_string())
    {
        return (400, error("SignatureNonceUsed", "nonce used"), None);
    }
    let id = get("AccessKeyId").unwrap();
    let Some(acct) = accounts.iter().find(|a| a.id == id) else {
        return (
            404,
            error(
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            ),
            None,
        );
    };
    if get("Signature").unwrap() != expected_signature(params, acct.secret) {
        return (
            400,
            error(
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
            ),
            None,
        );
    }
    if let Some(t) = &acct.token {
        match get("SecurityToken") {
            None => {
                return (
                    400,
                    error("MissingSecurityToken", "SecurityToken is missing."),
                    None,
                )
            }
            Some(got) if got != t => {
                return (
                    400,
                    error(
                        "InvalidSecurityToken.MismatchWithAccessKey",
                        "The security token does not match the access key.",
                    ),
                    None,
                )
            }
            _ => {}
        }
    }
    match &acct.answer {
        Answer::Identity {
            identity_type,
            arn,
            principal,
        } => {
            let body = format!(
                r#"{{"IdentityType":"{identity_type}","AccountId":"{ACCOUNT}","RequestId":"0A1B2C3D-0000-4000-8000-000000000001","PrincipalId":"{principal}","UserId":"{principal}","Arn":"{arn}"}}"#
            );
            (200, body, None)
        }
        Answer::Expired => (
            400,
            error(
                "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired.",
            ),
            None,
        ),
        Answer::ServerError => (
            500,
            error(
                "InternalFailure",
                "The request processing has failed due to some unknown error.",
            ),
            None,
        ),
        Answer::Echo => {
            let t = get("SecurityToken").unwrap_or_default();
            (
                400,
                format!(
                    r#"{{"RequestId":"{t}\u001b[2J","HostId":"h","Code":"Bad.{t}","Message":"echo {t}\n::error file=x::forged\u009b31m"}}"#
                ),
                None,
            )
        }
        Answer::Slow(d) => (
            200,
            format!(
                r#"{{"IdentityType":"RAMUser","AccountId":"{ACCOUNT}","RequestId":"R","PrincipalId":"2","UserId":"2","Arn":"acs:ram::{ACCOUNT}:user/slow"}}"#
            ),
            Some(*d),
        ),
    }
}

fn accounts() -> Vec<Account> {
    vec![
        Account {
            id: ROOT_ID,
            secret: ROOT_SECRET,
            token: None,
            answer: Answer::Identity {
                identity_type: "Account",
                arn: format!("acs:ram::{ACCOUNT}:root"),
                principal: ACCOUNT,
            },
        },
        Account {
            id: RAM_ID,
            secret: RAM_SECRET,
            token: None,
            answer: Answer::Identity {
                identity_type: "RAMUser",
                arn: format!("acs:ram::{ACCOUNT}:user/deploy-bot"),
                principal: "203948576612345678",
            },
        },
        Account {
            id: ROTATED_ID,
            secret: ROTATED_SECRET_REAL,
            token: None,
            answer: Answer::Identity {
                identity_type: "RAMUser",
                arn: format!("acs:ram::{ACCOUNT}:user/old"),
                principal: "203948576600000001",
            },
        },
        Account {
            id: FLAKY_ID,
            secret: FLAKY_SECRET,
            token: None,
            answer: Answer::ServerError,
        },
        Account {
            id: SLOW_ID,
            secret: SLOW_SECRET,
            token: None,
            answer: Answer::Slow(Duration::from_secs(4)),
        },
        Account {
            id: ROLE_ID,
            secret: ROLE_SECRET,
            token: Some(token(11)),
            answer: Answer::Identity {
                identity_type: "AssumedRoleUser",
                arn: format!("acs:ram::{ACCOUNT}:assumed-role/ci-deployer/build-42"),
                principal: "300012345678901234:build-42",
            },
        },
        Account {
            id: EVIL_ID,
            secret: EVIL_SECRET,
            token: None,
            answer: Answer::Identity {
                identity_type: "RAMUser",
                arn: format!("acs:ram::{ACCOUNT}:user/{EVIL_USER}"),
                principal: "203948576612340000",
            },
        },
        Account {
            id: ECHO_ID,
            secret: ECHO_SECRET,
            token: Some(token(33)),
            answer: Answer::Echo,
        },
        Account {
            id: OLD_ID,
            secret: OLD_SECRET,
            token: Some(token(22)),
            answer: Answer::Expired,
        },
    ]
}

fn pair_file(id: &str, secret: &str) -> String {
    format!("access_key_id = \"{id}\"\naccess_key_secret = \"{secret}\"\n")
}

fn sts_file(id: &str, secret: &str, token: &str) -> String {
    format!(
        "{{\n  \"AccessKeyId\": \"{id}\",\n  \"AccessKeySecret\": \"{secret}\",\n  \"SecurityToken\": \"{token}\"\n}}\n"
    )
}

/// The binary, with no proxy settings inherited from the environment.
fn akscan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
    for v in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        c.env_remove(v);
    }
    c
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run akscan")
}

fn json_findings(out: &Output) -> Vec<Value> {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    doc["findings"].as_array().unwrap().clone()
}

fn by_path<'a>(findings: &'a [Value], path: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["path"] == path).collect()
}

fn all_secrets() -> Vec<String> {
    let mut v: Vec<String> = [
        ROOT_SECRET,
        RAM_SECRET,
        GONE_SECRET,
        ROTATED_SECRET_FOUND,
        ROTATED_SECRET_REAL,
        FLAKY_SECRET,
        SLOW_SECRET,
        ROLE_SECRET,
        OLD_SECRET,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(token(11));
    v.push(token(22));
    v
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn verifies_every_kind_of_answer() {
    let sts = FakeSts::start(accounts());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "root.toml", &pair_file(ROOT_ID, ROOT_SECRET));
    write(d, "root-again.toml", &pair_file(ROOT_ID, ROOT_SECRET));
    write(d, "ram.toml", &pair_file(RAM_ID, RAM_SECRET));
    write(d, "gone.toml", &pair_file(GONE_ID, GONE_SECRET));
    write(
        d,
        "rotated.toml",
        &pair_file(ROTATED_ID, ROTATED_SECRET_FOUND),
    );
    write(d, "flaky.toml", &pair_file(FLAKY_ID, FLAKY_SECRET));
    write(d, "role.json", &sts_file(ROLE_ID, ROLE_SECRET, &token(11)));
    write(d, "old.json", &sts_file(OLD_ID, OLD_SECRET, &token(22)));
    write(d, "lonely.py", &format!("key = '{RAM_ID}'\n"));

    let out = run(akscan()
        .current_dir(d)
        .args([
            "scan",
            ".",
            "--format",
            "json",
            "--verify",
            "--verify-endpoint",
        ])
        .arg(sts.endpoint())
        .args(["--verify-timeout", "10"]));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let findings = json_findings(&out);
    let status = |f: &Value| {
        f["verification"]["status"]
            .as_str()
            .unwrap_or("-")
            .to_string()
    };

    // root account key: active, critical, with the root advice
    for file in ["root.toml", "root-again.toml"] {
        let fs = by_path(&findings, file);
        assert_eq!(fs.len(), 2, "{file}");
        for f in fs {
            assert_eq!(status(f), "active");
            assert_eq!(f["severity"], "critical");
            let id = &f["verification"]["identity"];
            assert_eq!(id["identity_type"], "Account");
            assert_eq!(id["account_id"], ACCOUNT);
            assert_eq!(id["arn"], format!("acs:ram::{ACCOUNT}:root"));
            assert!(f["verification"]["advice"]
                .as_str()
                .unwrap()
                .contains("RAM user"));
        }
    }
    // RAM user: active, high
    for f in by_path(&findings, "ram.toml") {
        assert_eq!(status(f), "active");
        assert_eq!(f["severity"], "high");
        assert_eq!(f["verification"]["identity"]["identity_type"], "RAMUser");
        assert_eq!(
            f["verification"]["identity"]["arn"],
            format!("acs:ram::{ACCOUNT}:user/deploy-bot")
        );
        assert!(f["verification"].get("advice").is_none());
    }
    // unknown ID: invalid, low
    for f in by_path(&findings, "gone.toml") {
        assert_eq!(status(f), "invalid");
        assert_eq!(f["verification"]["code"], "InvalidAccessKeyId.NotFound");
        assert_eq!(f["verification"]["http_status"], 404);
        assert_eq!(f["severity"], "low");
    }
    // ID exists, secret wrong
    for f in by_path(&findings, "rotated.toml") {
        assert_eq!(status(f), "invalid");
        assert_eq!(f["verification"]["code"], "SignatureDoesNotMatch");
        assert!(f["verification"]["reason"]
            .as_str()
            .unwrap()
            .contains("exists"));
        assert_eq!(f["severity"], "low");
    }
    // server error: unknown, severity as the rule says
    for f in by_path(&findings, "flaky.toml") {
        assert_eq!(status(f), "unknown");
        assert_eq!(f["verification"]["http_status"], 500);
        assert_eq!(f["severity"], "high");
    }
    // assumed-role STS triple: all three parts active
    let role = by_path(&findings, "role.json");
    assert_eq!(role.len(), 3);
    for f in role {
        assert_eq!(status(f), "active");
        assert_eq!(
            f["verification"]["identity"]["identity_type"],
            "AssumedRoleUser"
        );
        assert_eq!(f["severity"], "high");
    }
    // expired STS triple
    let old = by_path(&findings, "old.json");
    assert_eq!(old.len(), 3);
    for f in old {
        assert_eq!(status(f), "expired");
        assert_eq!(f["verification"]["code"], "InvalidSecurityToken.Expired");
        assert_eq!(f["severity"], "low");
    }
    // a lone ID cannot be checked
    for f in by_path(&findings, "lonely.py") {
        assert!(f.get("verification").is_none());
    }

    // one request per distinct credential (root appears twice, lonely.py none)
    let seen = sts.seen();
    assert_eq!(seen.len(), 7, "{seen:#?}");
    let ids: HashSet<&str> = seen
        .iter()
        .map(|s| {
            s.params
                .iter()
                .find(|(k, _)| k == "AccessKeyId")
                .unwrap()
                .1
                .as_str()
        })
        .collect();
    assert_eq!(ids.len(), 7);
    // never a secret on the wire; the SecurityToken only as SecurityToken
    for s in &seen {
        for secret in [
            ROOT_SECRET,
            RAM_SECRET,
            GONE_SECRET,
            ROTATED_SECRET_FOUND,
            FLAKY_SECRET,
            ROLE_SECRET,
            OLD_SECRET,
        ] {
            assert!(!s.raw.contains(secret), "secret in request: {}", s.raw);
            assert!(s.params.iter().all(|(_, v)| v != secret));
        }
        for (k, v) in &s.params {
            if v.starts_with("CAIS") {
                assert_eq!(k, "SecurityToken");
            }
        }
        assert_eq!(
            s.user_agent.as_deref(),
            Some(concat!("akscan/", env!("CARGO_PKG_VERSION")))
        );
        assert!(!s.via_proxy);
    }
    // never a full secret in the output
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for secret in all_secrets() {
        assert!(!stdout.contains(&secret) && !stderr.contains(&secret));
    }
    assert!(
        stderr.contains("verified 7 credentials") && stderr.contains("(1 ROOT ACCOUNT)"),
        "{stderr}"
    );
}

#[test]
fn a_slow_answer_is_unknown_after_the_timeout() {
    let sts = FakeSts::start(accounts());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "slow.toml", &pair_file(SLOW_ID, SLOW_SECRET));
    let out = run(akscan()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "jsonl", "--verify", "--verify-timeout", "500ms"])
        .arg("--verify-endpoint")
        .arg(sts.endpoint()));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for f in &lines {
        assert_eq!(f["verification"]["status"], "unknown");
        assert!(
            f["verification"]["reason"]
                .as_str()
                .unwrap()
                .contains("time limit"),
            "{f}"
        );
        assert_eq!(f["severity"], "high");
    }
    assert_eq!(sts.seen().len(), 1);
}

#[test]
fn human_output_shows_the_verdict_and_root_advice() {
    let sts = FakeSts::start(accounts());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "root.toml", &pair_file(ROOT_ID, ROOT_SECRET));
    write(dir.path(), "gone.toml", &pair_file(GONE_ID, GONE_SECRET));
    let out = run(akscan()
        .arg("scan")
        .arg(dir.path())
        .args(["--verify", "--color", "never", "--verify-endpoint"])
        .arg(sts.endpoint()));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("critical"), "{text}");
    assert!(
        text.contains(&format!(
            "verified active: ROOT ACCOUNT key (acs:ram::{ACCOUNT}:root)"
        )),
        "{text}"
    );
    assert!(text.contains("verified invalid: the AccessKey ID does not exist"));
    assert!(text.contains("(InvalidAccessKeyId.NotFound)"));
    assert!(text.contains("[root-account-key]"));
    for secret in [ROOT_SECRET, GONE_SECRET] {
        assert!(!text.contains(secret));
    }
}

#[test]
fn hostile_answers_are_masked_and_never_commands() {
    let sts = FakeSts::start(accounts());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "evil.toml", &pair_file(EVIL_ID, EVIL_SECRET));
    write(
        dir.path(),
        "echo.json",
        &sts_file(ECHO_ID, ECHO_SECRET, &token(33)),
    );
    let tok = token(33);
    let mut cases = 0;
    for f in ["human", "json", "jsonl", "sarif", "github"] {
        let out = run(akscan()
            .arg("scan")
            .arg(dir.path())
            .args(["--verify", "--color", "never", "--format", f])
            .arg("--verify-endpoint")
            .arg(sts.endpoint()));
        assert_eq!(out.status.code(), Some(1), "{f}: {out:?}");
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // the token the server echoed, in clear or any long piece of it
        for w in tok.as_bytes().windows(16).step_by(16) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(!text.contains(w), "{f}: token piece {w} shown:\n{text}");
        }
        for v in [EVIL_SECRET, ECHO_SECRET] {
            assert!(!text.contains(v), "{f}: {v} shown");
        }
        // no line a shell or a CI runner would obey, no raw escape
        for line in text.lines() {
            let t = line.trim_start();
            assert!(!t.starts_with("rm "), "{f}: {line:?}");
            assert!(
                !t.starts_with("::")
                    || (f == "github"
                        && ["::error file=", "::warning file=", "::notice file="]
                            .iter()
                            .any(|p| t.starts_with(p))),
                "{f}: {line:?}"
            );
            if f != "json" && f != "jsonl" && f != "sarif" {
                assert!(
                    !line
                        .chars()
                        .any(|c| (c.is_control() && c != '\t') || c == '\u{202e}'),
                    "{f}: raw control in {line:?}"
                );
            }
        }
        if f == "human" {
            // shown (escaped) as the answer's Arn, never put in a command
            assert!(
                !text
                    .lines()
                    .any(|l| l.trim_start().starts_with("aliyun") && l.contains("$(")),
                "{text}"
            );
            assert!(text.contains("--UserName <ram-user-name>"), "{text}");
            assert!(text.contains("characters RAM does not allow"), "{text}");
            assert!(text.contains("(Bad.CAIS***"), "{text}");
        }
        cases += 1;
    }
    assert!(!dir.path().join("pwned").exists());
    assert_eq!(cases, 5);
}

#[test]
fn no_request_without_verify() {
    let sts = FakeSts::start(accounts());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "root.toml", &pair_file(ROOT_ID, ROOT_SECRET));
    let out = run(akscan()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        // the proxy variables would route a request to the fake server
        .env("HTTP_PROXY", sts.endpoint())
        .env("HTTPS_PROXY", sts.endpoint()));
    assert_eq!(out.status.code(), Some(1));
    for f in json_findings(&out) {
        assert!(f.get("verification").is_none());
        assert_eq!(f["severity"], "high");
    }
    // the endpoint flag alone is refused rather than silently ignored
    let out = run(akscan()
        .arg("scan")
        .arg(dir.path())
        .arg("--verify-endpoint")
        .arg(sts.endpoint()));
    assert_eq!(out.status.code(), Some(2));
    std::thread::sleep(Duration::from_millis(100));
    assert!(sts.seen().is_empty());
}

#[test]
fn proxies_from_the_environment_are_used() {
    let sts = FakeSts::start(accounts());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ram.toml", &pair_file(RAM_ID, RAM_SECRET));
    // nothing listens on port 1: only the proxy can answer
    let out = run(akscan()
        .arg("scan")
        .arg(dir.path())
        .args([
            "--format",
            "json",
            "--verify",
            "--verify-endpoint",
            "http://127.0.0.1:1/",
        ])
        .env("HTTP_PROXY", sts.endpoint()));
    let findings = json_findings(&out);
    assert_eq!(findings.len(), 2);
    for f in &findings {
        assert_eq!(f["verification"]["status"], "active", "{f}");
    }
    let seen = sts.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].via_proxy);
}

#[test]
fn bad_verify_flags_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--verify", "--verify-endpoint", "ftp://example.invalid/"][..],
        &[
            "--verify",
            "--verify-endpoint",
            "https://sts.aliyuncs.com/?x=1",
        ][..],
        &["--verify", "--verify-timeout", "0"][..],
        &["--verify", "--verify-timeout", "soon"][..],
    ] {
        let out = run(akscan().arg("scan").arg(dir.path()).args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("verify"));
    }
}
