//! A minimal client for STS `GetCallerIdentity` (API version 2015-04-01) and the
//! classification of its answers.
//!
//! `GetCallerIdentity` needs no RAM permission and changes nothing: it only says whose key
//! signed the request. The request carries the AccessKey ID, the public request parameters,
//! the SecurityToken for STS credentials, and the HMAC-SHA1 signature. The AccessKey secret
//! is only the signing key; it is never sent.

use std::time::Duration;

use serde_json::Value;

use super::sign;
use crate::finding::verification::ROOT_ACCOUNT_ADVICE;
use crate::finding::{Identity, Secret, Verification, VerifyStatus};

/// The global STS endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://sts.aliyuncs.com/";

/// The largest answer read (real answers are a few hundred bytes).
const MAX_BODY: u64 = 64 * 1024;

/// A credential to check: an AccessKey pair, or STS ID + secret + SecurityToken.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Credential {
    pub id: String,
    pub secret: Secret,
    pub token: Option<Secret>,
}

/// Sends signed `GetCallerIdentity` requests to one endpoint.
pub struct Client {
    agent: ureq::Agent,
    endpoint: String,
}

impl Client {
    /// `endpoint` must be an `http(s)://host[:port]/[path]` URL without a query (see
    /// [`super::parse_endpoint`]). Proxies come from `ALL_PROXY`, `HTTPS_PROXY`,
    /// `HTTP_PROXY` (either case) with `NO_PROXY` exceptions.
    pub fn new(endpoint: &str, timeout: Duration, user_agent: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // 4xx/5xx answers carry the error code we classify
            .http_status_as_error(false)
            // a redirect would resend the signed query (and any SecurityToken) elsewhere
            .max_redirects(0)
            .user_agent(user_agent)
            .proxy(ureq::Proxy::try_from_env())
            .build();
        Client {
            agent: config.into(),
            endpoint: endpoint.to_string(),
        }
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Asks the service whose credential `cred` is.
    pub fn get_caller_identity(&self, cred: &Credential) -> Verification {
        let timestamp = timestamp_now();
        let nonce = uuid::Uuid::new_v4().to_string();
        let query = signed_request_query(cred, &timestamp, &nonce);
        let url = format!("{}?{}", self.endpoint, query);
        let mut v = match self.agent.get(&url).call() {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                match resp
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY)
                    .read_to_string()
                {
                    Ok(body) => classify(status, &body),
                    Err(e) => unknown(
                        format!(
                            "could not read the answer (HTTP {status}): {}",
                            describe(&e)
                        ),
                        Some(status),
                    ),
                }
            }
            Err(e) => unknown(describe(&e), None),
        };
        v.endpoint = self.endpoint.clone();
        scrub(&mut v, cred);
        v
    }
}

/// The query string of a signed `GetCallerIdentity` GET request.
pub fn signed_request_query(cred: &Credential, timestamp: &str, nonce: &str) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("AccessKeyId", cred.id.as_str()),
        ("Action", "GetCallerIdentity"),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", nonce),
        ("SignatureVersion", "1.0"),
        ("Timestamp", timestamp),
        ("Version", "2015-04-01"),
    ];
    if let Some(t) = &cred.token {
        params.push(("SecurityToken", t.expose()));
    }
    sign::signed_query("GET", &params, cred.secret.expose())
}

/// The current UTC time as `yyyy-MM-ddTHH:mm:ssZ`.
pub fn timestamp_now() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(fmt)
        .expect("a UTC date always formats")
}

fn unknown(reason: String, http_status: Option<u16>) -> Verification {
    Verification {
        status: VerifyStatus::Unknown,
        reason,
        code: None,
        http_status,
        request_id: None,
        identity: None,
        endpoint: String::new(),
        advice: None,
    }
}

/// A sentence for a transport error. Never includes the URL (it holds the signed query).
fn describe(e: &ureq::Error) -> String {
    use ureq::Error as E;
    match e {
        E::Timeout(t) => {
            format!("no answer within the time limit ({t}); try a larger --verify-timeout")
        }
        E::HostNotFound => "the endpoint's host name could not be resolved".to_string(),
        E::ConnectionFailed => "could not connect to the endpoint".to_string(),
        E::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            "no answer within the time limit; try a larger --verify-timeout".to_string()
        }
        E::Io(io) => format!("network error: {}", io.kind()),
        E::BodyExceedsLimit(n) => format!("the answer is larger than {n} bytes"),
        E::InvalidProxyUrl => "the proxy URL in the environment is invalid".to_string(),
        E::Tls(m) => format!("TLS error: {m}"),
        E::Rustls(r) => format!("TLS error: {r}"),
        E::Protocol(p) => format!("HTTP protocol error: {p}"),
        E::StatusCode(s) => format!("HTTP {s}"),
        _ => "request failed".to_string(),
    }
}

/// Removes the secret and the token from anything the answer might echo.
fn scrub(v: &mut Verification, cred: &Credential) {
    let mut needles: Vec<String> = vec![cred.secret.expose().to_string()];
    if let Some(t) = &cred.token {
        needles.push(t.expose().to_string());
        needles.push(sign::percent_encode(t.expose()));
    }
    for n in needles.iter().filter(|n| n.len() >= 8) {
        if v.reason.contains(n.as_str()) {
            v.reason = v.reason.replace(n.as_str(), "[redacted]");
        }
    }
}

fn str_field(body: &Value, name: &str) -> Option<String> {
    match body.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Classifies an answer from `GetCallerIdentity` (an HTTP status and its body).
///
/// Codes and their meaning follow Alibaba Cloud's documented error codes; anything else is
/// `unknown` with the code and status kept, never a guess.
pub fn classify(http_status: u16, body: &str) -> Verification {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let json = json.filter(Value::is_object);
    let request_id = json.as_ref().and_then(|j| str_field(j, "RequestId"));
    let code = json.as_ref().and_then(|j| str_field(j, "Code"));
    let mut v = Verification {
        status: VerifyStatus::Unknown,
        reason: String::new(),
        code: code.clone(),
        http_status: Some(http_status),
        request_id,
        identity: None,
        endpoint: String::new(),
        advice: None,
    };
    let Some(json) = json else {
        v.reason = format!("unexpected answer: HTTP {http_status} without a JSON body");
        return v;
    };
    if http_status == 200 && code.is_none() {
        let account_id = str_field(&json, "AccountId");
        let arn = str_field(&json, "Arn");
        let identity_type = str_field(&json, "IdentityType");
        match (account_id, arn, identity_type) {
            (Some(account_id), Some(arn), Some(identity_type)) => {
                let identity = Identity {
                    account_id,
                    identity_type,
                    arn,
                    principal_id: str_field(&json, "PrincipalId").unwrap_or_default(),
                    user_id: str_field(&json, "UserId"),
                    role_id: str_field(&json, "RoleId"),
                };
                v.status = VerifyStatus::Active;
                if identity.is_root() {
                    v.reason = "the key works and belongs to the root account itself".to_string();
                    v.advice = Some(ROOT_ACCOUNT_ADVICE);
                } else {
                    v.reason = "the key works".to_string();
                }
                v.identity = Some(identity);
            }
            _ => {
                v.reason = "unexpected answer: HTTP 200 without an identity".to_string();
            }
        }
        return v;
    }
    let (status, reason) = match code.as_deref() {
        Some("InvalidAccessKeyId.NotFound") => (
            VerifyStatus::Invalid,
            "the AccessKey ID does not exist (deleted, never created, or an expired STS key)",
        ),
        Some("InvalidAccessKeyId.Inactive") | Some("Forbidden.AccessKeyDisabled") => (
            VerifyStatus::Invalid,
            "the AccessKey is disabled (it can be enabled again: delete it)",
        ),
        Some("SignatureDoesNotMatch") => (
            VerifyStatus::Invalid,
            "the AccessKey ID exists, but this secret is not its secret",
        ),
        Some("InvalidSecurityToken.Expired") => {
            (VerifyStatus::Expired, "the STS SecurityToken has expired")
        }
        Some("InvalidSecurityToken.Malformed") => (
            VerifyStatus::Invalid,
            "the STS SecurityToken is malformed (truncated or altered)",
        ),
        Some("InvalidSecurityToken.MismatchWithAccessKey") => (
            VerifyStatus::Invalid,
            "the STS SecurityToken does not belong to this STS AccessKey ID",
        ),
        Some("MissingSecurityToken") => (
            VerifyStatus::Unknown,
            "the service wants a SecurityToken for this AccessKey ID and none was found",
        ),
        // the key authenticated; only the action was refused
        Some("NoPermission") | Some("Forbidden.RAM") => (
            VerifyStatus::Active,
            "the key works, but the service did not say whose it is",
        ),
        Some("InvalidTimeStamp.Expired") => (
            VerifyStatus::Unknown,
            "the service rejected the request time: check this machine's clock",
        ),
        Some("InvalidTimeStamp.Format")
        | Some("IncompleteSignature")
        | Some("SignatureNonceUsed")
        | Some("MissingParameter")
        | Some("InvalidParameter") => (
            VerifyStatus::Unknown,
            "the service rejected the request itself, not the key (please report this to akscan)",
        ),
        _ if http_status >= 500 => (
            VerifyStatus::Unknown,
            "the service had an internal error; try again later",
        ),
        _ => (VerifyStatus::Unknown, "unexpected answer"),
    };
    v.status = status;
    v.reason = if reason == "unexpected answer" {
        match &code {
            Some(c) => format!("unexpected answer: HTTP {http_status}, code {c}"),
            None => format!("unexpected answer: HTTP {http_status}"),
        }
    } else {
        reason.to_string()
    };
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_root_and_ram_user() {
        let v = classify(
            200,
            r#"{"RequestId":"R1","AccountId":"1234567890123456","UserId":"1234567890123456","Arn":"acs:ram::1234567890123456:root","IdentityType":"Account","PrincipalId":"1234567890123456"}"#,
        );
        assert_eq!(v.status, VerifyStatus::Active);
        assert!(v.is_root());
        assert_eq!(v.request_id.as_deref(), Some("R1"));
        let v = classify(
            200,
            r#"{"RequestId":"R2","AccountId":"1234567890123456","UserId":"27xxxxxxxxxxxxxx","Arn":"acs:ram::1234567890123456:user/deploy","IdentityType":"RAMUser","PrincipalId":"27xxxxxxxxxxxxxx"}"#,
        );
        assert_eq!(v.status, VerifyStatus::Active);
        assert!(!v.is_root());
        assert_eq!(
            v.identity.unwrap().arn,
            "acs:ram::1234567890123456:user/deploy"
        );
    }

    #[test]
    fn error_codes() {
        let cases = [
            (404, "InvalidAccessKeyId.NotFound", VerifyStatus::Invalid),
            (403, "InvalidAccessKeyId.Inactive", VerifyStatus::Invalid),
            (403, "Forbidden.AccessKeyDisabled", VerifyStatus::Invalid),
            (400, "SignatureDoesNotMatch", VerifyStatus::Invalid),
            (400, "InvalidSecurityToken.Expired", VerifyStatus::Expired),
            (400, "InvalidSecurityToken.Malformed", VerifyStatus::Invalid),
            (
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                VerifyStatus::Invalid,
            ),
            (400, "MissingSecurityToken", VerifyStatus::Unknown),
            (400, "InvalidTimeStamp.Expired", VerifyStatus::Unknown),
            (400, "SignatureNonceUsed", VerifyStatus::Unknown),
            (400, "IncompleteSignature", VerifyStatus::Unknown),
            (500, "InternalFailure", VerifyStatus::Unknown),
            (503, "ServiceUnavailable", VerifyStatus::Unknown),
            (400, "SomethingNew", VerifyStatus::Unknown),
        ];
        for (http, code, want) in cases {
            let body = format!(
                r#"{{"RequestId":"R","HostId":"sts.aliyuncs.com","Code":"{code}","Message":"m"}}"#
            );
            let v = classify(http, &body);
            assert_eq!(v.status, want, "{code}");
            assert_eq!(v.code.as_deref(), Some(code));
            assert_eq!(v.http_status, Some(http));
        }
    }

    #[test]
    fn odd_answers_are_unknown() {
        assert_eq!(classify(200, "<html>").status, VerifyStatus::Unknown);
        assert_eq!(classify(200, "{}").status, VerifyStatus::Unknown);
        assert_eq!(classify(502, "").status, VerifyStatus::Unknown);
        assert!(classify(400, r#"{"Code":"X.Y"}"#).reason.contains("X.Y"));
    }

    #[test]
    fn request_holds_id_and_signature_but_not_the_secret() {
        let cred = Credential {
            id: "LTAI5tQ8bFz2KcVw9YhN3xRm".into(),
            secret: Secret::new("Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e"),
            token: None,
        };
        let q = signed_request_query(&cred, "2024-01-02T03:04:05Z", "n-1");
        assert!(q.contains("AccessKeyId=LTAI5tQ8bFz2KcVw9YhN3xRm"));
        assert!(q.contains("Action=GetCallerIdentity"));
        assert!(q.contains("Timestamp=2024-01-02T03%3A04%3A05Z"));
        assert!(q.contains("&Signature="));
        assert!(!q.contains("Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e"));
        assert!(!q.contains("SecurityToken"));
    }

    #[test]
    fn timestamp_shape() {
        let t = timestamp_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T');
    }
}
