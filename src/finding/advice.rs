//! Advice: how to replace a hardcoded credential in each language or format, and what
//! to do once a key has leaked. Written for akscan from Alibaba Cloud's RAM guidance:
//! RAM users and roles instead of the root account, least privilege, no AccessKeys in
//! code, STS tokens or environment variables instead.

use serde::Serialize;

use crate::detect::rules::Kind;

/// The language or format of a file, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Python,
    Java,
    Go,
    JavaScript,
    Php,
    CSharp,
    Ruby,
    Shell,
    PowerShell,
    Batch,
    Dotenv,
    Yaml,
    Properties,
    Json,
    Ini,
    Xml,
    Terraform,
    Dockerfile,
    Markdown,
    Other,
}

impl Language {
    /// Guesses the language from a path (only its file name is looked at).
    pub fn from_path(path: &str) -> Language {
        let name = path
            .rsplit(['/', '\\', '!'])
            .next()
            .unwrap_or(path)
            .to_ascii_lowercase();
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if name == "dockerfile"
            || name.starts_with("dockerfile.")
            || name.ends_with(".dockerfile")
            || name == "containerfile"
        {
            return Language::Dockerfile;
        }
        if name == ".env" || name.starts_with(".env.") || ext == "env" || name.ends_with(".envrc") {
            return Language::Dotenv;
        }
        if name == "credentials"
            || name == ".ossutilconfig"
            || name == "config" && path.contains(".aliyun")
        {
            return Language::Ini;
        }
        match ext {
            "py" | "pyw" | "pyi" | "ipynb" => Language::Python,
            "java" | "kt" | "kts" | "scala" | "groovy" | "gradle" => Language::Java,
            "go" => Language::Go,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" | "vue" | "svelte"
            | "html" | "htm" => Language::JavaScript,
            "php" | "phtml" => Language::Php,
            "cs" | "csx" | "vb" => Language::CSharp,
            "rb" | "rake" | "gemspec" | "erb" => Language::Ruby,
            "sh" | "bash" | "zsh" | "ksh" | "fish" => Language::Shell,
            "ps1" | "psm1" | "psd1" => Language::PowerShell,
            "bat" | "cmd" => Language::Batch,
            "yml" | "yaml" => Language::Yaml,
            "properties" => Language::Properties,
            "json" | "jsonc" | "json5" => Language::Json,
            "ini" | "cfg" | "conf" | "toml" => Language::Ini,
            "xml" | "config" | "csproj" | "plist" => Language::Xml,
            "tf" | "tfvars" | "hcl" => Language::Terraform,
            "md" | "markdown" | "rst" | "txt" | "adoc" => Language::Markdown,
            _ => Language::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Java => "java",
            Language::Go => "go",
            Language::JavaScript => "javascript",
            Language::Php => "php",
            Language::CSharp => "csharp",
            Language::Ruby => "ruby",
            Language::Shell => "shell",
            Language::PowerShell => "powershell",
            Language::Batch => "batch",
            Language::Dotenv => "dotenv",
            Language::Yaml => "yaml",
            Language::Properties => "properties",
            Language::Json => "json",
            Language::Ini => "ini",
            Language::Xml => "xml",
            Language::Terraform => "terraform",
            Language::Dockerfile => "dockerfile",
            Language::Markdown => "markdown",
            Language::Other => "other",
        }
    }
}

/// Advice for one language or format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// Stable id, e.g. `python`, `sts`.
    pub id: &'static str,
    /// One line: what to do instead.
    pub summary: &'static str,
    /// The concrete replacement, usually code.
    pub fix: &'static str,
    /// What to do about the key that was committed.
    pub response: &'static str,
}

/// What to do about a long-term key that was committed.
pub const RESPONSE_PERMANENT: &str = "\
Treat the key as compromised: anyone who can read this file, its history, a fork or a CI log \
may already hold it. In the RAM console (RAM > Users > the user > AccessKey), create a \
replacement key if a service still needs one, switch the service to it, then disable the \
leaked AccessKey and delete it once nothing breaks. Check ActionTrail for calls made with the \
leaked AccessKey ID. Deleting the line or rewriting git history does not un-leak a key; \
rotating it does. Keep long-term keys only on RAM users that hold the least privilege \
their job needs, never on the Alibaba Cloud root account.";

/// The RAM user placeholder in containment commands.
pub const USER_PLACEHOLDER: &str = "<ram-user-name>";

/// The copy-paste aliyun CLI commands that contain one leaked permanent AccessKey (see
/// [`containment_block`]).
pub fn containment_commands(id: &str, user: Option<&str>, id_redacted: bool) -> String {
    containment_block(&[(id.to_string(), user.map(str::to_string))], id_redacted)
}

/// The copy-paste aliyun CLI commands that contain leaked permanent AccessKeys: for each,
/// disable it, look for its use in ActionTrail, delete it; then where to go instead (a RAM
/// role, or environment variables). `keys` are the AccessKey IDs as they may be shown
/// (redacted unless the user asked for secrets), each with the RAM user that owns it when
/// known (`--verify`). The explanations come once, the commands once per key.
pub fn containment_block(keys: &[(String, Option<String>)], ids_redacted: bool) -> String {
    let mut s = String::from(
        "# for each key: 1. disable it (reversible: --Status Active turns it back on);
# 2. look for calls made with it in ActionTrail (events of the last 90 days can be looked
#    up; without --StartTime only the last 7 days are);
# 3. delete it once nothing legitimate breaks\n",
    );
    if ids_redacted {
        s.push_str(
            "# the AccessKey IDs are redacted: copy the full ID from the RAM console, or run
# akscan again with --show-secrets to print them\n",
        );
    }
    if keys
        .iter()
        .any(|(_, u)| u.as_deref().is_some_and(|u| !is_ram_user_name(u)))
    {
        s.push_str(
            "# a RAM user name in the verification answer has characters RAM does not allow:\n\
# it is not put in a command\n",
        );
    }
    if keys
        .iter()
        .any(|(_, u)| !u.as_deref().is_some_and(is_ram_user_name))
    {
        s.push_str(
            "# <ram-user-name>: the RAM user that owns the key (akscan --verify reports it, or
# search the AccessKey ID in the RAM console)\n",
        );
    }
    let (start, end) = trail_window();
    for (id, user) in keys {
        // the name comes from a server's answer: only a name RAM allows goes in a command
        let user = user
            .as_deref()
            .filter(|u| is_ram_user_name(u))
            .unwrap_or(USER_PLACEHOLDER);
        s.push_str(&format!(
            "\n# {id}
aliyun ram UpdateAccessKey --UserName {user} --UserAccessKeyId {id} --Status Inactive
aliyun actiontrail LookupEvents --LookupAttribute.1.Key EventAccessKeyId --LookupAttribute.1.Value {id} --StartTime {start} --EndTime {end}
aliyun ram DeleteAccessKey --UserName {user} --UserAccessKeyId {id}\n"
        ));
    }
    s.push('\n');
    s.push_str(NEXT_STEPS);
    s
}

/// Whether `u` is a RAM user name as RAM allows it (letters, digits, `.`, `_`, `-`, `@`;
/// 1 to 64 characters): such a name needs no shell quoting.
pub fn is_ram_user_name(u: &str) -> bool {
    (1..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
}

/// The ActionTrail query window: from 89 days ago (events of the last 90 days can be looked
/// up) to now, in the ISO 8601 UTC form LookupEvents takes.
fn trail_window() -> (String, String) {
    use time::macros::format_description;
    let now = time::OffsetDateTime::now_utc();
    let start = now - time::Duration::days(89);
    let day = format_description!("[year]-[month]-[day]T00:00:00Z");
    let second = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    (
        start.format(&day).unwrap_or_default(),
        now.format(&second).unwrap_or_default(),
    )
}

/// Where to go after containing a leaked key.
pub const NEXT_STEPS: &str = "\
# then: give the program a RAM role instead of a key (ECS instance role, Function Compute
# service role, ACK RRSA; the credentials default chain picks it up) with only the
# permissions it needs and a short maximum session duration. Where a key cannot be avoided,
# use a new one of a RAM user made for this program alone (API access only, no console
# login, least privilege), kept in ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
# in the environment or a secret store, never in the code.\n";

/// What to do about temporary credentials that were committed.
pub const RESPONSE_STS: &str = "\
STS credentials expire, but until then they act with the full permissions of the RAM role \
that issued them, and they reveal the account and role. Do not commit them: let the program \
obtain them at run time (RAM role on ECS, Function Compute or ACK with RRSA, or AssumeRole \
from a least-privilege RAM user). If the token may still be valid, revoke the role's active \
sessions in the RAM console, and keep the role's maximum session duration short.";

macro_rules! advice {
    ($id:expr, $summary:expr, $fix:expr) => {
        Advice {
            id: $id,
            summary: $summary,
            fix: $fix,
            response: RESPONSE_PERMANENT,
        }
    };
}

const ENV_SUMMARY: &str = "Remove the key from the file; read ALIBABA_CLOUD_ACCESS_KEY_ID and \
ALIBABA_CLOUD_ACCESS_KEY_SECRET from the environment, or better, use the Alibaba Cloud \
credentials default chain so a RAM role supplies STS tokens.";

pub static PYTHON: Advice = advice!(
    "python",
    ENV_SUMMARY,
    "from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_tea_openapi.models import Config
# default chain: environment variables, ~/.alibabacloud/credentials, ECS RAM role, OIDC (ACK RRSA)
config = Config(credential=CredentialClient(), endpoint=\"ecs.cn-hangzhou.aliyuncs.com\")
# or, with the older SDKs:
import os
client = AcsClient(os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"], os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"], region)
# oss2: auth = oss2.ProviderAuthV4(EnvironmentVariableCredentialsProvider())"
);

pub static JAVA: Advice = advice!(
    "java",
    ENV_SUMMARY,
    "com.aliyun.credentials.Client credential = new com.aliyun.credentials.Client(); // default chain
Config config = new Config().setCredential(credential).setEndpoint(\"ecs.cn-hangzhou.aliyuncs.com\");
// older SDKs: DefaultProfile.getProfile(region,
//     System.getenv(\"ALIBABA_CLOUD_ACCESS_KEY_ID\"), System.getenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"));
// OSS: OSSClientBuilder.create().credentialsProvider(
//     CredentialsProviderFactory.newEnvironmentVariableCredentialsProvider())..."
);

pub static GO: Advice = advice!(
    "go",
    ENV_SUMMARY,
    "cred, err := credentials.NewCredential(nil) // github.com/aliyun/credentials-go: default chain
config := &openapi.Config{Credential: cred, Endpoint: tea.String(\"ecs.cn-hangzhou.aliyuncs.com\")}
// older SDKs: sdk.NewClientWithAccessKey(region,
//     os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_ID\"), os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"))
// OSS: provider, _ := oss.NewEnvironmentVariableCredentialsProvider()"
);

pub static JAVASCRIPT: Advice = advice!(
    "javascript",
    "Never ship a key to a browser or commit it to a bundle. On the server, read it from \
process.env or use @alicloud/credentials (default chain); in the browser, get short-lived \
STS tokens from your backend (AssumeRole) instead.",
    "import Credential from '@alicloud/credentials';
const config = new $OpenApi.Config({ credential: new Credential(), endpoint: 'ecs.cn-hangzhou.aliyuncs.com' });
// ali-oss:
const client = new OSS({ region, bucket,
  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
  stsToken: process.env.ALIBABA_CLOUD_SECURITY_TOKEN });"
);

pub static PHP: Advice = advice!(
    "php",
    ENV_SUMMARY,
    "$credential = new \\AlibabaCloud\\Credentials\\Credential(); // default chain
$config = new \\Darabonba\\OpenApi\\Models\\Config(['credential' => $credential]);
// older SDK: AlibabaCloud::accessKeyClient(getenv('ALIBABA_CLOUD_ACCESS_KEY_ID'),
//     getenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET'))->regionId('cn-hangzhou')->asDefaultClient();"
);

pub static CSHARP: Advice = advice!(
    "csharp",
    ENV_SUMMARY,
    "var credential = new Aliyun.Credentials.Client(null); // default chain
var config = new AlibabaCloud.OpenApiClient.Models.Config { Credential = credential, Endpoint = \"ecs.cn-hangzhou.aliyuncs.com\" };
// or: Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_ID\") and
//     Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\")"
);

pub static RUBY: Advice = advice!(
    "ruby",
    ENV_SUMMARY,
    "client = Aliyun::OSS::Client.new(
  endpoint: ENV.fetch('OSS_ENDPOINT'),
  access_key_id: ENV.fetch('ALIBABA_CLOUD_ACCESS_KEY_ID'),
  access_key_secret: ENV.fetch('ALIBABA_CLOUD_ACCESS_KEY_SECRET'))
# in Rails, Rails.application.credentials (encrypted) also keeps it out of git"
);

pub static SHELL: Advice = advice!(
    "shell",
    "Do not export keys in scripts. Let the caller's environment or the CI secret store provide \
them, or configure the aliyun CLI with a RAM role instead of an AccessKey.",
    ": \"${ALIBABA_CLOUD_ACCESS_KEY_ID:?set it in the environment or CI secrets}\"
: \"${ALIBABA_CLOUD_ACCESS_KEY_SECRET:?set it in the environment or CI secrets}\"
# on ECS: aliyun configure --mode EcsRamRole --ram-role-name <role>
# elsewhere: aliyun configure --mode RamRoleArn (AssumeRole gives STS tokens)"
);

pub static POWERSHELL: Advice = advice!(
    "powershell",
    "Do not set keys in scripts. Read them from the caller's environment or a secret store \
(SecretManagement), or use a RAM role with STS tokens.",
    "if (-not $env:ALIBABA_CLOUD_ACCESS_KEY_ID) { throw 'ALIBABA_CLOUD_ACCESS_KEY_ID is not set' }
# store it with Microsoft.PowerShell.SecretManagement, or use aliyun configure --mode RamRoleArn"
);

pub static BATCH: Advice = advice!(
    "batch",
    "Do not set keys in batch files. Set them in the task's environment (user or machine \
variables, or the scheduler's secret store), or use a RAM role with STS tokens.",
    "if \"%ALIBABA_CLOUD_ACCESS_KEY_ID%\"==\"\" (echo ALIBABA_CLOUD_ACCESS_KEY_ID is not set & exit /b 1)
REM set the variables in the scheduled task's environment, not in this file"
);

pub static DOTENV: Advice = advice!(
    "dotenv",
    "Keep real values out of committed .env files: commit an example file with empty values, \
add the real .env to .gitignore, and in production let a RAM role provide STS tokens.",
    "# .env.example (committed)
ALIBABA_CLOUD_ACCESS_KEY_ID=
ALIBABA_CLOUD_ACCESS_KEY_SECRET=
# .gitignore
.env"
);

pub static YAML: Advice = advice!(
    "yaml",
    "Reference the credential instead of writing it: a ${VAR} placeholder filled from the \
environment, a Kubernetes Secret via secretKeyRef (or RRSA on ACK, which needs no key), or \
the CI system's secret store.",
    "access-key-id: ${ALIBABA_CLOUD_ACCESS_KEY_ID}
access-key-secret: ${ALIBABA_CLOUD_ACCESS_KEY_SECRET}
# Kubernetes:
env:
  - name: ALIBABA_CLOUD_ACCESS_KEY_SECRET
    valueFrom:
      secretKeyRef: {name: alibaba-cloud, key: access-key-secret}
# GitHub Actions: ${{ secrets.ALIBABA_CLOUD_ACCESS_KEY_SECRET }}, or OIDC role assumption"
);

pub static PROPERTIES: Advice = advice!(
    "properties",
    "Use placeholders that Spring (or your framework) resolves from the environment, and \
supply the values at deploy time, or let a RAM role provide STS tokens.",
    "aliyun.accessKeyId=${ALIBABA_CLOUD_ACCESS_KEY_ID}
aliyun.accessKeySecret=${ALIBABA_CLOUD_ACCESS_KEY_SECRET}"
);

pub static JSON: Advice = advice!(
    "json",
    "JSON cannot read the environment: move the credential out of this file. For the aliyun \
CLI, use a profile in RAM role mode; for an application, read the values from the \
environment in code or use the credentials default chain.",
    "aliyun configure --profile default --mode EcsRamRole --ram-role-name <role>
# or: aliyun configure --mode RamRoleArn --ram-role-arn acs:ram::<account>:role/<role>"
);

pub static INI: Advice = advice!(
    "ini",
    "Credential files belong in the user's home directory (~/.alibabacloud/credentials, \
~/.aliyun/config.json), never in a repository. Prefer a profile that assumes a RAM role.",
    "[default]
type = ecs_ram_role
role_name = <role>
# or type = ram_role_arn with role_arn = acs:ram::<account>:role/<role>"
);

pub static XML: Advice = advice!(
    "xml",
    "Inject the credential from the environment at run time (a ${...} placeholder or a \
credentials provider bean) instead of writing it into the XML.",
    "<constructor-arg value=\"${ALIBABA_CLOUD_ACCESS_KEY_ID}\"/>
<constructor-arg value=\"${ALIBABA_CLOUD_ACCESS_KEY_SECRET}\"/>"
);

pub static TERRAFORM: Advice = advice!(
    "terraform",
    "Remove access_key and secret_key from the provider block. The alicloud provider reads \
ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY from the environment, and can assume a RAM role.",
    "provider \"alicloud\" {
  region = \"cn-hangzhou\"
  # credentials come from ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY, or:
  assume_role {
    role_arn = \"acs:ram::<account>:role/terraform\"
  }
}
# variables that hold secrets: sensitive = true and no default"
);

pub static DOCKERFILE: Advice = advice!(
    "dockerfile",
    "Never bake credentials into an image: ENV values stay in every layer and in `docker \
history`. Pass them when the container starts, or better, run it with a RAM role (ECS \
instance role, ACK RRSA).",
    "# remove the ENV lines, then at run time:
docker run -e ALIBABA_CLOUD_ACCESS_KEY_ID -e ALIBABA_CLOUD_ACCESS_KEY_SECRET image
# build-time use: RUN --mount=type=secret,id=aliyun ..."
);

pub static MARKDOWN: Advice = advice!(
    "markdown",
    "Documentation should show placeholders, never a real key.",
    "export ALIBABA_CLOUD_ACCESS_KEY_ID=<your-access-key-id>
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=<your-access-key-secret>"
);

pub static OTHER: Advice = advice!(
    "other",
    ENV_SUMMARY,
    "Read ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET from the environment,
or use the Alibaba Cloud credentials library of your language (default chain: environment,
profile file, ECS RAM role, OIDC role on ACK)."
);

pub static STS: Advice = Advice {
    id: "sts",
    summary: "Do not store STS credentials: obtain them at run time from a RAM role (ECS \
instance role, Function Compute service role, ACK RRSA) through the credentials default chain.",
    fix: "Python: Config(credential=CredentialClient())  |  Java: new com.aliyun.credentials.Client()
Go: credentials.NewCredential(nil)  |  Node: new Credential() from @alicloud/credentials
Function Compute handlers: use context.credentials (access_key_id, access_key_secret, security_token)",
    response: RESPONSE_STS,
};

/// Every advice entry, for documentation and SARIF rule help.
pub fn all() -> [&'static Advice; 21] {
    [
        &PYTHON,
        &JAVA,
        &GO,
        &JAVASCRIPT,
        &PHP,
        &CSHARP,
        &RUBY,
        &SHELL,
        &POWERSHELL,
        &BATCH,
        &DOTENV,
        &YAML,
        &PROPERTIES,
        &JSON,
        &INI,
        &XML,
        &TERRAFORM,
        &DOCKERFILE,
        &MARKDOWN,
        &OTHER,
        &STS,
    ]
}

/// The advice for a finding of `kind` in a file of `language`.
pub fn for_finding(language: Language, kind: Kind) -> &'static Advice {
    if matches!(
        kind,
        Kind::StsAccessKeyId | Kind::StsAccessKeySecret | Kind::StsSecurityToken
    ) {
        return &STS;
    }
    match language {
        Language::Python => &PYTHON,
        Language::Java => &JAVA,
        Language::Go => &GO,
        Language::JavaScript => &JAVASCRIPT,
        Language::Php => &PHP,
        Language::CSharp => &CSHARP,
        Language::Ruby => &RUBY,
        Language::Shell => &SHELL,
        Language::PowerShell => &POWERSHELL,
        Language::Batch => &BATCH,
        Language::Dotenv => &DOTENV,
        Language::Yaml => &YAML,
        Language::Properties => &PROPERTIES,
        Language::Json => &JSON,
        Language::Ini => &INI,
        Language::Xml => &XML,
        Language::Terraform => &TERRAFORM,
        Language::Dockerfile => &DOCKERFILE,
        Language::Markdown => &MARKDOWN,
        Language::Other => &OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_from_paths() {
        assert_eq!(Language::from_path("a/b/upload.py"), Language::Python);
        assert_eq!(Language::from_path("app/.env"), Language::Dotenv);
        assert_eq!(Language::from_path("Dockerfile"), Language::Dockerfile);
        assert_eq!(Language::from_path("main.tf"), Language::Terraform);
        assert_eq!(
            Language::from_path("config/alibabacloud/credentials"),
            Language::Ini
        );
        assert_eq!(Language::from_path("x/app.min.js"), Language::JavaScript);
        assert_eq!(Language::from_path("README"), Language::Other);
        assert_eq!(Language::from_path("a.zip!inner/x.go"), Language::Go);
    }

    #[test]
    fn every_language_has_distinct_advice() {
        let ids: std::collections::HashSet<_> = all().iter().map(|a| a.id).collect();
        assert_eq!(ids.len(), all().len());
    }
}
