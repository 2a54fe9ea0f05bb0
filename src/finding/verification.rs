//! The result of checking a credential with the cloud (`--verify`), as carried on a
//! [`Finding`](super::Finding). Pure data: the checking itself lives in `crate::verify`.

use serde::Serialize;

/// What to tell someone whose root account key works.
pub const ROOT_ACCOUNT_ADVICE: &str = "\
This AccessKey belongs to the Alibaba Cloud root account, which can do everything in the \
account and cannot be restricted by any RAM policy. The root account should have no \
AccessKey at all: create a RAM user (or better, a RAM role the program can assume) with \
only the permissions it needs, move the program to it, then disable and delete the root \
account's AccessKey in the console (the root account's AccessKey management page) and check \
ActionTrail for what the key has been used for.";

/// What the check said about a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyStatus {
    /// The credential works: the service said who it belongs to.
    Active,
    /// The service rejected it: the ID does not exist, is disabled, the secret does not
    /// match it, or an STS token does not belong to it.
    Invalid,
    /// An STS SecurityToken that has expired.
    Expired,
    /// No answer either way (timeout, network error, clock skew, unexpected response, or
    /// not enough parts to ask).
    Unknown,
}

impl VerifyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyStatus::Active => "active",
            VerifyStatus::Invalid => "invalid",
            VerifyStatus::Expired => "expired",
            VerifyStatus::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for VerifyStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a working credential belongs to, as the service reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The Alibaba Cloud account (the root account's numeric id).
    pub account_id: String,
    /// `Account` (the root account itself), `RAMUser` or `AssumedRoleUser`.
    pub identity_type: String,
    /// e.g. `acs:ram::<account>:root`, `acs:ram::<account>:user/<name>`,
    /// `acs:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    pub principal_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
}

impl Identity {
    /// True when the credential is the root account's own AccessKey.
    pub fn is_root(&self) -> bool {
        self.identity_type == "Account"
    }
}

/// The result of one check, shared by every finding that is part of the checked
/// credential (the ID, the secret and, for STS, the SecurityToken).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub status: VerifyStatus,
    /// One sentence saying what the answer means.
    pub reason: String,
    /// The service's error code (`InvalidAccessKeyId.NotFound`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The HTTP status of the answer, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The service's request id, useful when asking Alibaba Cloud support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The endpoint that was asked (empty when no request was made).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// What to do beyond the usual advice ([`ROOT_ACCOUNT_ADVICE`] for a root key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<&'static str>,
}

impl Verification {
    /// True for an active key of the root account.
    pub fn is_root(&self) -> bool {
        self.status == VerifyStatus::Active && self.identity.as_ref().is_some_and(Identity::is_root)
    }

    /// A short line for people, e.g. `active: RAM user (acs:ram::<account>:user/ci)`.
    pub fn headline(&self) -> String {
        match (&self.status, &self.identity) {
            (VerifyStatus::Active, Some(id)) => {
                let who = match id.identity_type.as_str() {
                    "Account" => "ROOT ACCOUNT key".to_string(),
                    "RAMUser" => "RAM user".to_string(),
                    "AssumedRoleUser" => "assumed RAM role".to_string(),
                    other => other.to_string(),
                };
                format!("active: {who} ({})", id.arn)
            }
            (status, _) => {
                let mut s = format!("{status}: {}", self.reason);
                if let Some(code) = &self.code {
                    s.push_str(&format!(" ({code})"));
                }
                s
            }
        }
    }
}
