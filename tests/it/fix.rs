//! `akscan fix` (issue 10): for each language or format, a file with a key, the exact diff
//! `fix` prints, the file after `--apply` (key gone, lookup in place, still parses where a
//! parser is at hand) and a second scan that finds nothing. Then the files fix must not
//! touch, the file changed after the scan, SARIF `fixes`, and the containment commands.
//! Every test runs the real binary on real files in a temporary directory.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::sarif_validator;
use crate::common::Out;
use serde_json::Value;

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const ID_R: &str = "LTAI****************3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
const SECRET_R: &str = "Vq8************************J6e";

fn akscan(dir: &Path, args: &[&str]) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
    c.args(args).current_dir(dir).env("NO_COLOR", "1");
    Out::of(c)
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `{ID}`, `{SECRET}`, `{ID_R}`, `{SECRET_R}` filled in.
fn fill(t: &str) -> String {
    t.replace("{ID_R}", ID_R)
        .replace("{SECRET_R}", SECRET_R)
        .replace("{ID}", ID)
        .replace("{SECRET}", SECRET)
}

/// Whether a program is on PATH (runs `prog arg`).
fn have(prog: &str, arg: &str) -> bool {
    Command::new(prog)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a syntax checker on a file when the program exists; prints a note when it does not.
fn check_with(prog: &str, version_arg: &str, args: &[&str], file: &Path) {
    if !have(prog, version_arg) {
        println!(
            "note: {prog} is not on PATH: skipped the parse check of {}",
            file.display()
        );
        return;
    }
    let o = Command::new(prog).args(args).arg(file).output().unwrap();
    assert!(
        o.status.success(),
        "{prog} rejects {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The whole cycle for one file: the diff, --apply, the parse check, a clean rescan.
fn cycle(rel: &str, before: &str, diff: &str, after: &str, parse: impl Fn(&Path)) {
    let d = tmp();
    let (before, diff, after) = (fill(before), fill(diff), fill(after));
    write(d.path(), rel, &before);
    let o = akscan(d.path(), &["fix", "."]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.stdout, diff, "the diff of {rel}; stderr: {}", o.stderr);
    // printing the diff writes nothing, and shows no value in clear
    assert_eq!(std::fs::read_to_string(d.path().join(rel)).unwrap(), before);
    assert!(!o.stdout.contains(SECRET) && !o.stdout.contains(ID));
    assert!(!o.stderr.contains(SECRET) && !o.stderr.contains(ID));
    assert!(o.stderr.contains("would be fixed"), "{}", o.stderr);

    // --show-secrets prints the diff that `git apply` takes
    let o = akscan(d.path(), &["fix", ".", "--show-secrets", "-q"]);
    let exact = diff.replace(ID_R, ID).replace(SECRET_R, SECRET);
    assert_eq!(o.stdout, exact);
    if have("git", "--version") {
        std::fs::write(d.path().join("p.diff"), &o.stdout).unwrap();
        let g = Command::new("git")
            .args(["apply", "--check", "p.diff"])
            .current_dir(d.path())
            .output()
            .unwrap();
        assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
        std::fs::remove_file(d.path().join("p.diff")).unwrap();
    }

    let o = akscan(d.path(), &["fix", ".", "--apply"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains(&format!("akscan: fixed {rel}")),
        "{}",
        o.stderr
    );
    let now = std::fs::read_to_string(d.path().join(rel)).unwrap();
    assert_eq!(now, after, "{rel} after --apply");
    assert!(!now.contains(SECRET) && !now.contains(ID));
    // no temporary file left behind, nothing else written
    let names: Vec<_> = std::fs::read_dir(d.path().join(rel).parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".akscan-")), "{names:?}");

    let o = akscan(d.path(), &["scan", "."]);
    assert_eq!(
        o.code, 0,
        "rescan of the fixed tree: {}{}",
        o.stdout, o.stderr
    );
    parse(&d.path().join(rel));
    // a second fix has nothing to do
    let o = akscan(d.path(), &["fix", "."]);
    assert_eq!((o.code, o.stdout.as_str()), (0, ""));
}

#[test]
fn python() {
    cycle(
        "upload.py",
        "#!/usr/bin/env python3\n\"\"\"Uploads reports to OSS.\"\"\"\nfrom __future__ import annotations\n\nimport oss2\n\nauth = oss2.Auth(\"{ID}\", \"{SECRET}\")\n",
        "--- a/upload.py\n+++ b/upload.py\n@@ -2,6 +2,7 @@\n \"\"\"Uploads reports to OSS.\"\"\"\n from __future__ import annotations\n \n+import os\n import oss2\n \n-auth = oss2.Auth(\"{ID_R}\", \"{SECRET_R}\")\n+auth = oss2.Auth(os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"], os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"])\n",
        "#!/usr/bin/env python3\n\"\"\"Uploads reports to OSS.\"\"\"\nfrom __future__ import annotations\n\nimport os\nimport oss2\n\nauth = oss2.Auth(os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"], os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"])\n",
        |f| check_with("python3", "--version", &["-m", "py_compile"], f),
    );
}

#[test]
fn python_with_os_imported_gets_no_second_import() {
    cycle(
        "cfg.py",
        "import sys, os\nACCESS_KEY_ID = '{ID}'\nACCESS_KEY_SECRET = '{SECRET}'\n",
        "--- a/cfg.py\n+++ b/cfg.py\n@@ -1,3 +1,3 @@\n import sys, os\n-ACCESS_KEY_ID = '{ID_R}'\n-ACCESS_KEY_SECRET = '{SECRET_R}'\n+ACCESS_KEY_ID = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"]\n+ACCESS_KEY_SECRET = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"]\n",
        "import sys, os\nACCESS_KEY_ID = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"]\nACCESS_KEY_SECRET = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"]\n",
        |f| check_with("python3", "--version", &["-m", "py_compile"], f),
    );
}

#[test]
fn java() {
    cycle(
        "src/Main.java",
        "public class Main {\n    private static final String ACCESS_KEY_ID = \"{ID}\";\n    private static final String ACCESS_KEY_SECRET = \"{SECRET}\";\n}\n",
        "--- a/src/Main.java\n+++ b/src/Main.java\n@@ -1,4 +1,4 @@\n public class Main {\n-    private static final String ACCESS_KEY_ID = \"{ID_R}\";\n-    private static final String ACCESS_KEY_SECRET = \"{SECRET_R}\";\n+    private static final String ACCESS_KEY_ID = System.getenv(\"ALIBABA_CLOUD_ACCESS_KEY_ID\");\n+    private static final String ACCESS_KEY_SECRET = System.getenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\");\n }\n",
        "public class Main {\n    private static final String ACCESS_KEY_ID = System.getenv(\"ALIBABA_CLOUD_ACCESS_KEY_ID\");\n    private static final String ACCESS_KEY_SECRET = System.getenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\");\n}\n",
        |f| {
            let d = tmp();
            if have("javac", "-version") {
                let o = Command::new("javac")
                    .arg("-d")
                    .arg(d.path())
                    .arg(f)
                    .output()
                    .unwrap();
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            } else {
                println!("note: javac is not on PATH: skipped the parse check of Main.java");
            }
        },
    );
}

#[test]
fn go_const_becomes_var_and_os_joins_the_import_block() {
    cycle(
        "main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nconst accessKeyID = \"{ID}\"\n\nvar accessKeySecret = \"{SECRET}\"\n\nfunc main() {\n\tfmt.Println(strings.ToUpper(accessKeyID), accessKeySecret)\n}\n",
        "--- a/main.go\n+++ b/main.go\n@@ -2,12 +2,13 @@\n \n import (\n \t\"fmt\"\n+\t\"os\"\n \t\"strings\"\n )\n \n-const accessKeyID = \"{ID_R}\"\n+var accessKeyID = os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_ID\")\n \n-var accessKeySecret = \"{SECRET_R}\"\n+var accessKeySecret = os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\")\n \n func main() {\n \tfmt.Println(strings.ToUpper(accessKeyID), accessKeySecret)\n",
        "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n)\n\nvar accessKeyID = os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_ID\")\n\nvar accessKeySecret = os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\")\n\nfunc main() {\n\tfmt.Println(strings.ToUpper(accessKeyID), accessKeySecret)\n}\n",
        |f| check_with("gofmt", "-h", &["-e", "-l"], f),
    );
}

#[test]
fn go_single_import() {
    cycle(
        "cmd/up.go",
        "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tc, err := oss.New(\"oss-cn-hangzhou.aliyuncs.com\", \"{ID}\", \"{SECRET}\")\n\tfmt.Println(c, err)\n}\n",
        "--- a/cmd/up.go\n+++ b/cmd/up.go\n@@ -1,8 +1,9 @@\n package main\n \n import \"fmt\"\n+import \"os\"\n \n func main() {\n-\tc, err := oss.New(\"oss-cn-hangzhou.aliyuncs.com\", \"{ID_R}\", \"{SECRET_R}\")\n+\tc, err := oss.New(\"oss-cn-hangzhou.aliyuncs.com\", os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_ID\"), os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"))\n \tfmt.Println(c, err)\n }\n",
        "package main\n\nimport \"fmt\"\nimport \"os\"\n\nfunc main() {\n\tc, err := oss.New(\"oss-cn-hangzhou.aliyuncs.com\", os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_ID\"), os.Getenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"))\n\tfmt.Println(c, err)\n}\n",
        |f| check_with("gofmt", "-h", &["-e", "-l"], f),
    );
}

#[test]
fn javascript() {
    cycle(
        "app.js",
        "const client = new OSS({\n  region: 'oss-cn-hangzhou',\n  accessKeyId: '{ID}',\n  accessKeySecret: '{SECRET}',\n});\n",
        "--- a/app.js\n+++ b/app.js\n@@ -1,5 +1,5 @@\n const client = new OSS({\n   region: 'oss-cn-hangzhou',\n-  accessKeyId: '{ID_R}',\n-  accessKeySecret: '{SECRET_R}',\n+  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,\n+  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,\n });\n",
        "const client = new OSS({\n  region: 'oss-cn-hangzhou',\n  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,\n  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,\n});\n",
        |f| check_with("node", "--version", &["--check"], f),
    );
}

#[test]
fn typescript_template_literal() {
    cycle(
        "src/client.ts",
        "export const config = {\n  accessKeyId: \"{ID}\",\n  accessKeySecret: `{SECRET}`,\n};\n",
        "--- a/src/client.ts\n+++ b/src/client.ts\n@@ -1,4 +1,4 @@\n export const config = {\n-  accessKeyId: \"{ID_R}\",\n-  accessKeySecret: `{SECRET_R}`,\n+  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,\n+  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,\n };\n",
        "export const config = {\n  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,\n  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,\n};\n",
        |f| {
            // this file is also valid JavaScript as an ES module: check it as one
            let js = f.with_extension("mjs");
            std::fs::copy(f, &js).unwrap();
            check_with("node", "--version", &["--check"], &js);
        },
    );
}

#[test]
fn php() {
    cycle(
        "index.php",
        "<?php\n$client = new OssClient('{ID}', \"{SECRET}\", $endpoint);\n",
        "--- a/index.php\n+++ b/index.php\n@@ -1,2 +1,2 @@\n <?php\n-$client = new OssClient('{ID_R}', \"{SECRET_R}\", $endpoint);\n+$client = new OssClient(getenv('ALIBABA_CLOUD_ACCESS_KEY_ID'), getenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET'), $endpoint);\n",
        "<?php\n$client = new OssClient(getenv('ALIBABA_CLOUD_ACCESS_KEY_ID'), getenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET'), $endpoint);\n",
        |f| check_with("php", "--version", &["-l"], f),
    );
}

#[test]
fn csharp_const_field_becomes_static_readonly() {
    cycle(
        "Client.cs",
        "namespace Demo\n{\n    public class Client\n    {\n        private const string AccessKeyId = \"{ID}\";\n        private const string AccessKeySecret = \"{SECRET}\";\n    }\n}\n",
        "--- a/Client.cs\n+++ b/Client.cs\n@@ -2,7 +2,7 @@\n {\n     public class Client\n     {\n-        private const string AccessKeyId = \"{ID_R}\";\n-        private const string AccessKeySecret = \"{SECRET_R}\";\n+        private static readonly string AccessKeyId = System.Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_ID\");\n+        private static readonly string AccessKeySecret = System.Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\");\n     }\n }\n",
        "namespace Demo\n{\n    public class Client\n    {\n        private static readonly string AccessKeyId = System.Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_ID\");\n        private static readonly string AccessKeySecret = System.Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\");\n    }\n}\n",
        |_| println!("note: no C# compiler is used here: skipped the parse check of Client.cs"),
    );
}

#[test]
fn csharp_with_using_system() {
    cycle(
        "Oss.cs",
        "using System;\nvar client = new OssClient(endpoint, \"{ID}\", \"{SECRET}\");\n",
        "--- a/Oss.cs\n+++ b/Oss.cs\n@@ -1,2 +1,2 @@\n using System;\n-var client = new OssClient(endpoint, \"{ID_R}\", \"{SECRET_R}\");\n+var client = new OssClient(endpoint, Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_ID\"), Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"));\n",
        "using System;\nvar client = new OssClient(endpoint, Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_ID\"), Environment.GetEnvironmentVariable(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"));\n",
        |_| println!("note: no C# compiler is used here: skipped the parse check of Oss.cs"),
    );
}

#[test]
fn ruby() {
    cycle(
        "oss.rb",
        "client = Aliyun::OSS::Client.new(\n  endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',\n  access_key_id: '{ID}',\n  access_key_secret: \"{SECRET}\"\n)\n",
        "--- a/oss.rb\n+++ b/oss.rb\n@@ -1,5 +1,5 @@\n client = Aliyun::OSS::Client.new(\n   endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',\n-  access_key_id: '{ID_R}',\n-  access_key_secret: \"{SECRET_R}\"\n+  access_key_id: ENV.fetch(\"ALIBABA_CLOUD_ACCESS_KEY_ID\"),\n+  access_key_secret: ENV.fetch(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\")\n )\n",
        "client = Aliyun::OSS::Client.new(\n  endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',\n  access_key_id: ENV.fetch(\"ALIBABA_CLOUD_ACCESS_KEY_ID\"),\n  access_key_secret: ENV.fetch(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\")\n)\n",
        |f| check_with("ruby", "--version", &["-c"], f),
    );
}

#[test]
fn shell_leaves_the_variables_to_the_environment() {
    cycle(
        "deploy.sh",
        "#!/bin/sh\nexport ALIYUN_AK={ID}\nexport ALIYUN_SK=\"{SECRET}\"\naliyun ecs DescribeRegions\n",
        "--- a/deploy.sh\n+++ b/deploy.sh\n@@ -1,4 +1,6 @@\n #!/bin/sh\n-export ALIYUN_AK={ID_R}\n-export ALIYUN_SK=\"{SECRET_R}\"\n+# ALIYUN_AK: hardcoded AccessKey ID removed by akscan fix; set it in the environment or the CI secret store\n+: \"${ALIYUN_AK:?ALIYUN_AK is not set}\"\n+# ALIYUN_SK: hardcoded AccessKey secret removed by akscan fix; set it in the environment or the CI secret store\n+: \"${ALIYUN_SK:?ALIYUN_SK is not set}\"\n aliyun ecs DescribeRegions\n",
        "#!/bin/sh\n# ALIYUN_AK: hardcoded AccessKey ID removed by akscan fix; set it in the environment or the CI secret store\n: \"${ALIYUN_AK:?ALIYUN_AK is not set}\"\n# ALIYUN_SK: hardcoded AccessKey secret removed by akscan fix; set it in the environment or the CI secret store\n: \"${ALIYUN_SK:?ALIYUN_SK is not set}\"\naliyun ecs DescribeRegions\n",
        |f| check_with("sh", "-c", &["-n"], f),
    );
}

#[test]
fn dotenv_lines_are_removed() {
    cycle(
        ".env",
        "APP_ENV=dev\nALIBABA_CLOUD_ACCESS_KEY_ID={ID}\nALIBABA_CLOUD_ACCESS_KEY_SECRET='{SECRET}'\n",
        "--- a/.env\n+++ b/.env\n@@ -1,3 +1,3 @@\n APP_ENV=dev\n-ALIBABA_CLOUD_ACCESS_KEY_ID={ID_R}\n-ALIBABA_CLOUD_ACCESS_KEY_SECRET='{SECRET_R}'\n+# ALIBABA_CLOUD_ACCESS_KEY_ID: set it in the environment, not in this file (hardcoded AccessKey ID removed by akscan fix)\n+# ALIBABA_CLOUD_ACCESS_KEY_SECRET: set it in the environment, not in this file (hardcoded AccessKey secret removed by akscan fix)\n",
        "APP_ENV=dev\n# ALIBABA_CLOUD_ACCESS_KEY_ID: set it in the environment, not in this file (hardcoded AccessKey ID removed by akscan fix)\n# ALIBABA_CLOUD_ACCESS_KEY_SECRET: set it in the environment, not in this file (hardcoded AccessKey secret removed by akscan fix)\n",
        dotenv_parses,
    );
}

/// A .env file parses when every line is blank, a comment or NAME=value.
fn dotenv_parses(f: &Path) {
    let re = regex::Regex::new(r"^(\s*|#.*|(export\s+)?[A-Za-z_][A-Za-z0-9_.]*=.*)$").unwrap();
    for l in std::fs::read_to_string(f).unwrap().lines() {
        assert!(re.is_match(l), "not a .env line: {l}");
    }
}

#[test]
fn sts_triple_goes_to_the_default_chain() {
    let token = format!("CAIS1q6Ft5B2yfSjI{}", "Ab3+Xy9/Kq7Zm2Lp".repeat(32));
    let d = tmp();
    let env = format!(
        "APP_ENV=production\nALIBABA_CLOUD_ACCESS_KEY_ID=STS.NUgYrLnoC37mZZCNnAbez2BLH\nALIBABA_CLOUD_ACCESS_KEY_SECRET=5jA4ZbXxyN7e2sCqPxuBCZfSb29hzGrKd8mT3k5WvQ1\nALIBABA_CLOUD_SECURITY_TOKEN={token}\n"
    );
    write(d.path(), ".env", &env);
    let o = akscan(d.path(), &["scan", ".", "--format", "json"]);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 3, "{}", o.stdout);
    let o = akscan(d.path(), &["fix", ".", "--apply"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let now = std::fs::read_to_string(d.path().join(".env")).unwrap();
    assert_eq!(
        now,
        "APP_ENV=production\n\
         # ALIBABA_CLOUD_ACCESS_KEY_ID: let a RAM role supply STS credentials (default credential chain) (hardcoded STS AccessKey ID removed by akscan fix)\n\
         # ALIBABA_CLOUD_ACCESS_KEY_SECRET: let a RAM role supply STS credentials (default credential chain) (hardcoded STS AccessKey secret removed by akscan fix)\n\
         # ALIBABA_CLOUD_SECURITY_TOKEN: let a RAM role supply STS credentials (default credential chain) (hardcoded STS SecurityToken removed by akscan fix)\n"
    );
    dotenv_parses(&d.path().join(".env"));
    assert_eq!(akscan(d.path(), &["scan", "."]).code, 0);
}

#[test]
fn sts_triple_in_code_is_left_with_advice() {
    let token = format!("CAIS1q6Ft5B2yfSjI{}", "Ab3+Xy9/Kq7Zm2Lp".repeat(32));
    let d = tmp();
    let py = format!(
        "import oss2\nauth = oss2.StsAuth(\"STS.NUgYrLnoC37mZZCNnAbez2BLH\", \"5jA4ZbXxyN7e2sCqPxuBCZfSb29hzGrKd8mT3k5WvQ1\", \"{token}\")\n"
    );
    write(d.path(), "sts.py", &py);
    let o = akscan(d.path(), &["fix", ".", "--apply"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.stdout, "");
    assert!(
        o.stderr.contains("default credential chain"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("advice [sts]"), "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(d.path().join("sts.py")).unwrap(),
        py
    );
}

#[test]
fn yaml_gets_placeholders() {
    cycle(
        "config/application.yml",
        "aliyun:\n  oss:\n    access-key-id: {ID}\n    access-key-secret: \"{SECRET}\"  # prod\n    endpoint: oss-cn-hangzhou.aliyuncs.com\n",
        "--- a/config/application.yml\n+++ b/config/application.yml\n@@ -1,5 +1,5 @@\n aliyun:\n   oss:\n-    access-key-id: {ID_R}\n-    access-key-secret: \"{SECRET_R}\"  # prod\n+    access-key-id: ${ALIBABA_CLOUD_ACCESS_KEY_ID}\n+    access-key-secret: \"${ALIBABA_CLOUD_ACCESS_KEY_SECRET}\"  # prod\n     endpoint: oss-cn-hangzhou.aliyuncs.com\n",
        "aliyun:\n  oss:\n    access-key-id: ${ALIBABA_CLOUD_ACCESS_KEY_ID}\n    access-key-secret: \"${ALIBABA_CLOUD_ACCESS_KEY_SECRET}\"  # prod\n    endpoint: oss-cn-hangzhou.aliyuncs.com\n",
        |f| {
            let docs = yaml_rust2::YamlLoader::load_from_str(&std::fs::read_to_string(f).unwrap())
                .expect("valid YAML");
            assert_eq!(
                docs[0]["aliyun"]["oss"]["access-key-id"].as_str(),
                Some("${ALIBABA_CLOUD_ACCESS_KEY_ID}")
            );
            assert_eq!(
                docs[0]["aliyun"]["oss"]["access-key-secret"].as_str(),
                Some("${ALIBABA_CLOUD_ACCESS_KEY_SECRET}")
            );
        },
    );
}

#[test]
fn compose_environment_items_get_placeholders() {
    cycle(
        "docker-compose.yml",
        "services:\n  app:\n    environment:\n      - ALICLOUD_ACCESS_KEY={ID}\n      - ALICLOUD_SECRET_KEY={SECRET}\n",
        "--- a/docker-compose.yml\n+++ b/docker-compose.yml\n@@ -1,5 +1,5 @@\n services:\n   app:\n     environment:\n-      - ALICLOUD_ACCESS_KEY={ID_R}\n-      - ALICLOUD_SECRET_KEY={SECRET_R}\n+      - ALICLOUD_ACCESS_KEY=${ALICLOUD_ACCESS_KEY}\n+      - ALICLOUD_SECRET_KEY=${ALICLOUD_SECRET_KEY}\n",
        "services:\n  app:\n    environment:\n      - ALICLOUD_ACCESS_KEY=${ALICLOUD_ACCESS_KEY}\n      - ALICLOUD_SECRET_KEY=${ALICLOUD_SECRET_KEY}\n",
        |f| {
            let docs = yaml_rust2::YamlLoader::load_from_str(&std::fs::read_to_string(f).unwrap())
                .expect("valid YAML");
            assert_eq!(
                docs[0]["services"]["app"]["environment"][1].as_str(),
                Some("ALICLOUD_SECRET_KEY=${ALICLOUD_SECRET_KEY}")
            );
        },
    );
}

#[test]
fn properties_get_placeholders() {
    cycle(
        "src/main/resources/application.properties",
        "spring.cloud.alicloud.access-key={ID}\nspring.cloud.alicloud.secret-key = {SECRET}\nserver.port=8080\n",
        "--- a/src/main/resources/application.properties\n+++ b/src/main/resources/application.properties\n@@ -1,3 +1,3 @@\n-spring.cloud.alicloud.access-key={ID_R}\n-spring.cloud.alicloud.secret-key = {SECRET_R}\n+spring.cloud.alicloud.access-key=${ALIBABA_CLOUD_ACCESS_KEY_ID}\n+spring.cloud.alicloud.secret-key = ${ALIBABA_CLOUD_ACCESS_KEY_SECRET}\n server.port=8080\n",
        "spring.cloud.alicloud.access-key=${ALIBABA_CLOUD_ACCESS_KEY_ID}\nspring.cloud.alicloud.secret-key = ${ALIBABA_CLOUD_ACCESS_KEY_SECRET}\nserver.port=8080\n",
        |f| {
            let re = regex::Regex::new(r"^(\s*|[#!].*|[^\s=:]+\s*[=:]\s*.*)$").unwrap();
            for l in std::fs::read_to_string(f).unwrap().lines() {
                assert!(re.is_match(l), "not a properties line: {l}");
            }
        },
    );
}

fn terraform_parses(f: &Path) {
    if !have("terraform", "version") {
        println!("note: terraform is not on PATH: skipped the parse check");
        return;
    }
    let o = Command::new("terraform")
        .args(["fmt", "-no-color", "-"])
        .stdin(std::fs::File::open(f).unwrap())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "terraform rejects {}: {}",
        f.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn terraform_provider_keys_are_removed() {
    cycle(
        "infra/main.tf",
        "provider \"alicloud\" {\n  access_key = \"{ID}\"\n  secret_key = \"{SECRET}\"\n  region     = \"cn-hangzhou\"\n}\n",
        "--- a/infra/main.tf\n+++ b/infra/main.tf\n@@ -1,5 +1,5 @@\n provider \"alicloud\" {\n-  access_key = \"{ID_R}\"\n-  secret_key = \"{SECRET_R}\"\n+  # access_key: read from ALICLOUD_ACCESS_KEY in the environment, or use an assume_role block (hardcoded AccessKey ID removed by akscan fix)\n+  # secret_key: read from ALICLOUD_SECRET_KEY in the environment, or use an assume_role block (hardcoded AccessKey secret removed by akscan fix)\n   region     = \"cn-hangzhou\"\n }\n",
        "provider \"alicloud\" {\n  # access_key: read from ALICLOUD_ACCESS_KEY in the environment, or use an assume_role block (hardcoded AccessKey ID removed by akscan fix)\n  # secret_key: read from ALICLOUD_SECRET_KEY in the environment, or use an assume_role block (hardcoded AccessKey secret removed by akscan fix)\n  region     = \"cn-hangzhou\"\n}\n",
        terraform_parses,
    );
}

#[test]
fn terraform_variable_defaults_are_removed() {
    cycle(
        "vars.tf",
        "variable \"ak\" {\n  type    = string\n  default = \"{ID}\"\n}\n\nvariable \"sk\" {\n  default = \"{SECRET}\"\n}\n",
        "--- a/vars.tf\n+++ b/vars.tf\n@@ -1,8 +1,8 @@\n variable \"ak\" {\n   type    = string\n-  default = \"{ID_R}\"\n+  # default removed: set TF_VAR_ak in the environment (hardcoded AccessKey ID removed by akscan fix)\n }\n \n variable \"sk\" {\n-  default = \"{SECRET_R}\"\n+  # default removed: set TF_VAR_sk in the environment (hardcoded AccessKey secret removed by akscan fix)\n }\n",
        "variable \"ak\" {\n  type    = string\n  # default removed: set TF_VAR_ak in the environment (hardcoded AccessKey ID removed by akscan fix)\n}\n\nvariable \"sk\" {\n  # default removed: set TF_VAR_sk in the environment (hardcoded AccessKey secret removed by akscan fix)\n}\n",
        terraform_parses,
    );
}

#[test]
fn dockerfile_env_is_removed_with_a_note() {
    cycle(
        "Dockerfile",
        "FROM alpine:3\nENV ALIBABA_CLOUD_ACCESS_KEY_ID={ID}\nENV ALIBABA_CLOUD_ACCESS_KEY_SECRET {SECRET}\nCMD [\"app\"]\n",
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,4 +1,4 @@\n FROM alpine:3\n-ENV ALIBABA_CLOUD_ACCESS_KEY_ID={ID_R}\n-ENV ALIBABA_CLOUD_ACCESS_KEY_SECRET {SECRET_R}\n+# ALIBABA_CLOUD_ACCESS_KEY_ID: hardcoded AccessKey ID removed by akscan fix; pass it at run time (docker run -e ALIBABA_CLOUD_ACCESS_KEY_ID) or better, run with a RAM role\n+# ALIBABA_CLOUD_ACCESS_KEY_SECRET: hardcoded AccessKey secret removed by akscan fix; pass it at run time (docker run -e ALIBABA_CLOUD_ACCESS_KEY_SECRET) or better, run with a RAM role\n CMD [\"app\"]\n",
        "FROM alpine:3\n# ALIBABA_CLOUD_ACCESS_KEY_ID: hardcoded AccessKey ID removed by akscan fix; pass it at run time (docker run -e ALIBABA_CLOUD_ACCESS_KEY_ID) or better, run with a RAM role\n# ALIBABA_CLOUD_ACCESS_KEY_SECRET: hardcoded AccessKey secret removed by akscan fix; pass it at run time (docker run -e ALIBABA_CLOUD_ACCESS_KEY_SECRET) or better, run with a RAM role\nCMD [\"app\"]\n",
        |f| {
            let re = regex::Regex::new(r"^(\s*|#.*|[A-Z]+\s.*)$").unwrap();
            for l in std::fs::read_to_string(f).unwrap().lines() {
                assert!(re.is_match(l), "not a Dockerfile line: {l}");
            }
        },
    );
}

#[test]
fn no_safe_rewrite_leaves_files_alone_with_advice() {
    let d = tmp();
    let files = [
        // minified
        ("web/bundle.min.js", format!("var a={{accessKeyId:\"{ID}\",accessKeySecret:\"{SECRET}\"}};\n")),
        // inside a larger string: the partner secret is left too (fixed together)
        ("notes.py", format!("URL = \"https://example.com/?OSSAccessKeyId={ID}&x=1\"\nkey_secret = \"{SECRET}\"\n")),
        // a format with no lookup
        ("credentials.json", format!("{{\"access_key_id\": \"{ID}\", \"access_key_secret\": \"{SECRET}\"}}\n")),
        ("conf/app.toml", format!("[aliyun]\naccess_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n")),
        // a comment
        ("doc.go", format!("package doc\n\n// example: \"{ID}\" and \"{SECRET}\"\n")),
    ];
    for (p, t) in &files {
        write(d.path(), p, t);
    }
    let o = akscan(d.path(), &["fix", ".", "--apply"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.stdout, "", "no patch at all");
    for (p, t) in &files {
        assert_eq!(
            &std::fs::read_to_string(d.path().join(p)).unwrap(),
            t,
            "{p}"
        );
    }
    for why in [
        "bundle.min.js:1: AccessKey ID: minified",
        "notes.py:1: AccessKey ID: the value is part of a larger string",
        "notes.py:2: AccessKey secret: left with its partner AccessKey ID at notes.py:1",
        "credentials.json:1: AccessKey ID: no safe rewrite for this format (json)",
        "conf/app.toml:2: AccessKey ID: no safe rewrite for this format (ini)",
        "doc.go:3: AccessKey ID: the value is in a comment",
    ] {
        assert!(o.stderr.contains(why), "missing {why:?} in\n{}", o.stderr);
    }
    assert!(o.stderr.contains("advice [json]"), "{}", o.stderr);
    assert!(o.stderr.contains("0 of 10 findings"), "{}", o.stderr);
    // JSON and TOML still parse (nothing touched them)
    let j = std::fs::read_to_string(d.path().join("credentials.json")).unwrap();
    serde_json::from_str::<Value>(&j).unwrap();
    let t = std::fs::read_to_string(d.path().join("conf/app.toml")).unwrap();
    t.parse::<toml::Table>().unwrap();
}

#[test]
fn fix_touches_only_files_with_findings_in_the_given_paths() {
    let d = tmp();
    let body = format!("ak = \"{ID}\"\nsk = \"{SECRET}\"\n");
    write(d.path(), "a/one.py", &body);
    write(d.path(), "b/two.py", &body);
    write(d.path(), "a/clean.py", "print('hi')\n");
    let o = akscan(d.path(), &["fix", "a", "--apply"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!std::fs::read_to_string(d.path().join("a/one.py"))
        .unwrap()
        .contains(ID));
    assert_eq!(
        std::fs::read_to_string(d.path().join("b/two.py")).unwrap(),
        body
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("a/clean.py")).unwrap(),
        "print('hi')\n"
    );
    // permissions survive the rewrite
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let p = d.path().join("b/two.py");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o750)).unwrap();
        assert_eq!(akscan(d.path(), &["fix", "b", "--apply"]).code, 0);
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
    }
}

#[test]
fn a_file_changed_after_the_scan_is_skipped() {
    use akscan::scan::{ScanOptions, Scanner};
    let d = tmp();
    let p = d.path().join("app.py");
    let body = format!("ak = \"{ID}\"\nsk = \"{SECRET}\"\n");
    std::fs::write(&p, &body).unwrap();
    let other = d.path().join("other.py");
    std::fs::write(&other, &body).unwrap();
    let result = Scanner::builtin()
        .scan(&ScanOptions {
            paths: vec![d.path().to_path_buf()],
            ..ScanOptions::default()
        })
        .unwrap();
    assert_eq!(result.findings.len(), 4);
    let plan = akscan::fix::plan(&result.findings, |p| std::fs::read(p));
    assert_eq!(plan.fixed_count(), 4);
    // someone edits app.py between the scan and the write
    let edited = format!("# edited\n{body}");
    std::fs::write(&p, &edited).unwrap();
    let rep = akscan::fix::apply(&plan, &[d.path().to_path_buf()]);
    assert_eq!(rep.written.len(), 1);
    assert!(rep.written[0].0.ends_with("other.py"));
    assert_eq!(rep.skipped.len(), 1);
    assert!(rep.skipped[0].0.ends_with("app.py"));
    assert!(rep.skipped[0].1.contains("changed since the scan"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), edited);
    assert!(!std::fs::read_to_string(&other).unwrap().contains(SECRET));

    // a plan whose file moved out of the given roots is not written either
    let outside = tmp();
    std::fs::write(&p, &body).unwrap();
    let result = Scanner::builtin()
        .scan(&ScanOptions {
            paths: vec![p.clone()],
            ..ScanOptions::default()
        })
        .unwrap();
    let plan = akscan::fix::plan(&result.findings, |p| std::fs::read(p));
    let rep = akscan::fix::apply(&plan, &[outside.path().to_path_buf()]);
    assert!(rep.written.is_empty());
    assert!(rep.skipped[0].1.contains("outside the scanned tree"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), body);
}

#[test]
fn a_value_no_longer_where_the_scan_saw_it_is_not_fixed() {
    use akscan::scan::Scanner;
    let body = format!("ak = \"{ID}\"\nsk = \"{SECRET}\"\n");
    let found = Scanner::builtin().scan_bytes("app.py", body.as_bytes());
    let moved = format!("\n{body}");
    let plan = akscan::fix::plan(&found, |_| Ok(moved.clone().into_bytes()));
    assert!(plan.files.is_empty());
    assert_eq!(plan.unfixed.len(), 2);
    assert!(plan.unfixed[0].reason.contains("changed since the scan"));
}

/// Applies SARIF replacements (line/column regions, columns in code points) to a text.
fn apply_replacements(text: &str, reps: &[Value]) -> String {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let off = |line: u64, col: u64| -> usize {
        let ls = line_starts[line as usize - 1];
        ls + text[ls..]
            .char_indices()
            .nth(col as usize - 1)
            .map_or(text.len() - ls, |(i, _)| i)
    };
    let mut edits: Vec<(usize, usize, String)> = reps
        .iter()
        .map(|r| {
            let g = &r["deletedRegion"];
            let s = off(
                g["startLine"].as_u64().unwrap(),
                g["startColumn"].as_u64().unwrap(),
            );
            let e = off(
                g["endLine"].as_u64().unwrap(),
                g["endColumn"].as_u64().unwrap(),
            );
            let t = r["insertedContent"]["text"]
                .as_str()
                .unwrap_or("")
                .to_string();
            (s, e, t)
        })
        .collect();
    edits.sort();
    let mut out = String::new();
    let mut pos = 0;
    for (s, e, t) in edits {
        out.push_str(&text[pos..s]);
        out.push_str(&t);
        pos = e;
    }
    out.push_str(&text[pos..]);
    out
}

#[test]
fn sarif_results_carry_the_fix() {
    let d = tmp();
    let py = format!("import oss2\n\nauth = oss2.Auth(\"{ID}\", \"{SECRET}\")\n");
    let sh = format!("#!/bin/sh\nexport ALIYUN_AK={ID}\nexport ALIYUN_SK={SECRET}\n");
    write(d.path(), "src/up.py", &py);
    write(d.path(), "deploy.sh", &sh);
    write(
        d.path(),
        "creds.json",
        &format!("{{\"access_key_secret\": \"{SECRET}\"}}\n"),
    );
    let validator = sarif_validator();
    for cmd in [
        &["scan", ".", "--format", "sarif"][..],
        &["fix", ".", "--format", "sarif"][..],
    ] {
        let o = akscan(d.path(), cmd);
        assert_eq!(o.code, 1, "{}", o.stderr);
        assert!(!o.stdout.contains(SECRET) && !o.stdout.contains(ID));
        let log: Value = serde_json::from_str(&o.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 5);
        for r in results {
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            let fixes = r.get("fixes");
            if uri == "creds.json" {
                assert!(fixes.is_none(), "no fix for JSON");
                continue;
            }
            let change = &fixes.unwrap()[0]["artifactChanges"][0];
            assert_eq!(change["artifactLocation"]["uri"], uri);
            let reps = change["replacements"].as_array().unwrap();
            let original = if uri == "src/up.py" { &py } else { &sh };
            // the change of one result fixes its pair in the file, without the value
            let fixed = apply_replacements(original, reps);
            assert!(!fixed.contains(ID) && !fixed.contains(SECRET), "{fixed}");
        }
    }
    // the same edits as --apply
    let o = akscan(d.path(), &["scan", ".", "--format", "sarif"]);
    let log: Value = serde_json::from_str(&o.stdout).unwrap();
    let r = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/up.py")
        .unwrap()
        .clone();
    let via_sarif = apply_replacements(
        &py,
        r["fixes"][0]["artifactChanges"][0]["replacements"]
            .as_array()
            .unwrap(),
    );
    akscan(d.path(), &["fix", ".", "--apply"]);
    assert_eq!(
        std::fs::read_to_string(d.path().join("src/up.py")).unwrap(),
        via_sarif
    );
}

#[test]
fn advice_ends_with_containment_commands() {
    let d = tmp();
    write(
        d.path(),
        "app.py",
        &format!("ak = \"{ID}\"\nsk = \"{SECRET}\"\n"),
    );
    let o = akscan(d.path(), &["scan", "."]);
    assert_eq!(o.code, 1);
    let disable = format!(
        "aliyun ram UpdateAccessKey --UserName <ram-user-name> --UserAccessKeyId {ID_R} --Status Inactive"
    );
    let trail = format!(
        "aliyun actiontrail LookupEvents --LookupAttribute.1.Key EventAccessKeyId --LookupAttribute.1.Value {ID_R}"
    );
    let delete =
        format!("aliyun ram DeleteAccessKey --UserName <ram-user-name> --UserAccessKeyId {ID_R}");
    for want in [&disable, &trail, &delete] {
        assert!(
            o.stdout.contains(want.as_str()),
            "missing {want} in\n{}",
            o.stdout
        );
    }
    assert!(o.stdout.contains("redacted"), "{}", o.stdout);
    assert!(o.stdout.contains("RAM role"));
    // disable comes before delete; the commands come last
    let (a, b) = (
        o.stdout.find(&disable).unwrap(),
        o.stdout.find(&delete).unwrap(),
    );
    assert!(a < b);
    assert!(!o.stdout.contains(ID));
    // the full ID only on request
    let o = akscan(d.path(), &["scan", ".", "--show-secrets"]);
    assert!(o
        .stdout
        .contains(&format!("--UserAccessKeyId {ID} --Status Inactive")));
    // fix prints them too, after the patch, on stderr
    let o = akscan(d.path(), &["fix", "."]);
    assert!(o.stderr.contains(&disable), "{}", o.stderr);
    // STS values get no AccessKey commands (they expire)
    let d2 = tmp();
    write(
        d2.path(),
        "s.env",
        "ALIBABA_CLOUD_ACCESS_KEY_ID=STS.NUgYrLnoC37mZZCNnAbez2BLH\nALIBABA_CLOUD_ACCESS_KEY_SECRET=5jA4ZbXxyN7e2sCqPxuBCZfSb29hzGrKd8mT3k5WvQ1\n",
    );
    let o = akscan(d2.path(), &["scan", "."]);
    assert_eq!(o.code, 1);
    assert!(!o.stdout.contains("UpdateAccessKey"), "{}", o.stdout);
}

#[test]
fn fix_rejects_what_it_cannot_do() {
    let d = tmp();
    for (args, msg) in [
        (&["fix", "-"][..], "standard input"),
        (&["fix", ".", "--format", "json"][..], "unified diff"),
        (
            &["fix", ".", "--write-baseline", "b.json"][..],
            "--write-baseline",
        ),
        (&["fix", "missing-dir"][..], "missing-dir"),
    ] {
        let o = akscan(d.path(), args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stderr.starts_with("akscan: error: "), "{}", o.stderr);
        assert!(o.stderr.contains(msg), "{}", o.stderr);
        assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    }
}

#[test]
fn inline_allowed_findings_are_not_fixed() {
    let d = tmp();
    let body = format!("ak = \"{ID}\"  # akscan:allow\nsk = \"{SECRET}\"  # akscan:allow\n");
    write(d.path(), "fixture.py", &body);
    let o = akscan(d.path(), &["fix", ".", "--apply"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout, "");
    assert_eq!(
        std::fs::read_to_string(d.path().join("fixture.py")).unwrap(),
        body
    );
}

/// Shapes where a rewrite would break the syntax or the meaning: the plan leaves them, with
/// the reason, and the pair goes with them.
#[test]
fn shapes_without_a_safe_rewrite() {
    use akscan::scan::Scanner;
    let scanner = Scanner::builtin();
    let cases = [
        (
            "a.py",
            "k = (\"{ID}\" \"x\")\nsecret_key = \"{SECRET}\"\n",
            "concatenated",
        ),
        (
            "a.py",
            "k = f\"{ID}\"\nsecret_key = \"{SECRET}\"\n",
            "special string",
        ),
        (
            "a.py",
            "k = \"\"\"{ID}\"\"\"\nsecret_key = \"{SECRET}\"\n",
            "special string",
        ),
        (
            "a.py",
            "# k = \"{ID}\"\nsecret_key = \"{SECRET}\"\n",
            "comment",
        ),
        (
            "a.py",
            "k = '\"{ID}\"'\nsecret_key = \"{SECRET}\"\n",
            "inside another string",
        ),
        (
            "a.js",
            "const m = {\"{ID}\": 1};\nconst secretKey = \"{SECRET}\";\n",
            "object key",
        ),
        (
            "a.jsx",
            "const x = <Oss id=\"{ID}\" secret=\"{SECRET}\" />;\n",
            "JSX",
        ),
        (
            "a.rb",
            "h = {\"{ID}\": 1}\nsecret_key = \"{SECRET}\"\n",
            "object key",
        ),
        (
            "A.java",
            "@Value(\"{ID}\")\nString secretKey = \"{SECRET}\";\n",
            "annotation",
        ),
        (
            "A.kt",
            "const val ID = \"{ID}\"\nval secretKey = \"{SECRET}\"\n",
            "const",
        ),
        (
            "a.go",
            "package a\n\nconst (\n\tid = \"{ID}\"\n\tsecretKey = \"{SECRET}\"\n)\n",
            "const block",
        ),
        (
            "a.php",
            "<?php\nclass C { private $id = '{ID}'; }\n$secretKey = '{SECRET}';\n",
            "property default",
        ),
        (
            "a.php",
            "<?php\nfunction f($id = '{ID}') {}\n$secretKey = '{SECRET}';\n",
            "parameter default",
        ),
        (
            "A.cs",
            "void F(string id = \"{ID}\") {}\nvar secretKey = \"{SECRET}\";\n",
            "parameter default",
        ),
        (
            "A.cs",
            "const string Id = \"{ID}\";\nvar secretKey = \"{SECRET}\";\n",
            "const",
        ),
        (
            "a.sh",
            "aliyun configure set --access-key-id {ID} --access-key-secret {SECRET}\n",
            "assignment",
        ),
        (
            "a.sh",
            "ALIYUN_AK={ID} aliyun ecs DescribeRegions\nALIYUN_SK={SECRET}\n",
            "larger word",
        ),
        (
            "a.yml",
            "keys: {id: {ID}, secret: {SECRET}}\n",
            "key: value",
        ),
        ("a.yml", "id: &a {ID}\nsecret: {SECRET}\n", "key: value"),
        (
            "Dockerfile",
            "FROM x\nENV A={ID} B={SECRET}\n",
            "more than one value",
        ),
        (
            "main.tf",
            "resource \"x\" \"y\" {\n  name = \"{ID}\"\n  secret_key = \"{SECRET}\"\n}\n",
            "not a provider credential",
        ),
        (
            "app.html",
            "<script>var k = \"{ID}\"; var secretKey = \"{SECRET}\";</script>\n",
            "markup",
        ),
    ];
    for (path, text, why) in cases {
        let text = fill(text);
        let found = scanner.scan_bytes(path, text.as_bytes());
        assert!(!found.is_empty(), "{path}: {text}");
        let plan = akscan::fix::plan(&found, |_| Ok(text.clone().into_bytes()));
        assert!(
            plan.files.is_empty(),
            "{path} {text:?} was rewritten:\n{}",
            plan.diff()
        );
        assert_eq!(plan.unfixed.len(), found.len());
        assert!(
            plan.unfixed.iter().any(|u| u.reason.contains(why)),
            "{path} {text:?}: {:?}",
            plan.unfixed
        );
    }
}

#[test]
fn two_keys_in_one_file_get_two_variables() {
    const ID2: &str = "LTAI5tHx2Lm9Qr4Tz7Wb1NcQ";
    const SECRET2: &str = "Pa4Rt8Yw2Kx6Nm3Qz9Lb5Vc7Hd1Fs0";
    let d = tmp();
    write(
        d.path(),
        "rotate.py",
        &format!("ak_id = \"{ID}\"\nak_secret = \"{SECRET}\"\n\nnew_ak = \"{ID2}\"\nnew_sk = \"{SECRET2}\"\n"),
    );
    let o = akscan(d.path(), &["fix", ".", "--apply"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(d.path().join("rotate.py")).unwrap(),
        "import os\n\
         ak_id = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"]\n\
         ak_secret = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"]\n\n\
         new_ak = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID_2\"]\n\
         new_sk = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET_2\"]\n"
    );
    check_with(
        "python3",
        "--version",
        &["-m", "py_compile"],
        &d.path().join("rotate.py"),
    );
}

#[test]
fn a_verified_key_names_its_ram_user_in_the_commands() {
    use akscan::finding::{Identity, Verification, VerifyStatus};
    use akscan::report::RenderOptions;
    let body = format!(
        "ak = \"{ID}\"\nsk = \"{SECRET}\"\nsecret_key2 = \"Pa4Rt8Yw2Kx6Nm3Qz9Lb5Vc7Hd1Fs0\"\n"
    );
    let mut found = akscan::scan::Scanner::builtin().scan_bytes("app.py", body.as_bytes());
    assert_eq!(found.len(), 3);
    let v = Verification {
        status: VerifyStatus::Active,
        reason: "works".into(),
        code: None,
        http_status: Some(200),
        request_id: None,
        identity: Some(Identity {
            account_id: "1234567890".into(),
            identity_type: "RAMUser".into(),
            arn: "acs:ram::1234567890:user/ci-uploader".into(),
            principal_id: "2000".into(),
            user_id: Some("2000".into()),
            role_id: None,
        }),
        endpoint: "https://sts.aliyuncs.com/".into(),
        advice: None,
    };
    found[0].verification = Some(v.clone());
    found[1].verification = Some(v);
    let ids = akscan::report::human::leaked_ids(&found, &RenderOptions::default());
    // the pair's ID once, with its user; the lone secret's ID is unknown
    assert_eq!(
        ids,
        vec![
            (ID_R.to_string(), Some("ci-uploader".to_string())),
            ("<AccessKeyId>".to_string(), None)
        ]
    );
    let block = akscan::finding::advice::containment_block(&ids, true);
    assert!(block.contains(&format!(
        "aliyun ram UpdateAccessKey --UserName ci-uploader --UserAccessKeyId {ID_R} --Status Inactive"
    )));
    assert!(block.contains(
        "aliyun ram DeleteAccessKey --UserName <ram-user-name> --UserAccessKeyId <AccessKeyId>"
    ));
    let shown = akscan::report::human::leaked_ids(
        &found,
        &RenderOptions {
            show_secrets: true,
            ..RenderOptions::default()
        },
    );
    assert_eq!(shown[0].0, ID);
}

#[test]
fn crlf_bom_and_no_final_newline_survive() {
    let d = tmp();
    // CRLF, a BOM and no final newline: the inserted import follows the file's line ending
    let py = format!("\u{feff}ak = \"{ID}\"\r\nsk = \"{SECRET}\"");
    write(d.path(), "win.py", &py);
    let env = format!("A=1\r\nALIYUN_AK={ID}\r\nALIYUN_SK={SECRET}");
    write(d.path(), "win.env", &env);
    let o = akscan(d.path(), &["fix", ".", "--apply"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(d.path().join("win.py")).unwrap(),
        "\u{feff}import os\r\nak = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"]\r\nsk = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"]"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("win.env")).unwrap(),
        "A=1\r\n# ALIYUN_AK: set it in the environment, not in this file (hardcoded AccessKey ID removed by akscan fix)\r\n# ALIYUN_SK: set it in the environment, not in this file (hardcoded AccessKey secret removed by akscan fix)"
    );
    check_with(
        "python3",
        "--version",
        &["-m", "py_compile"],
        &d.path().join("win.py"),
    );
    assert_eq!(akscan(d.path(), &["scan", "."]).code, 0);
}

mod never_panics {
    use super::{ID, SECRET};
    use proptest::prelude::*;

    const EXTS: [&str; 16] = [
        "py",
        "java",
        "go",
        "js",
        "ts",
        "php",
        "cs",
        "rb",
        "sh",
        "env",
        "yml",
        "properties",
        "tf",
        "tfvars",
        "json",
        "txt",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Whatever surrounds the values, planning never panics, and a fixed value is gone
        /// from the fixed text.
        #[test]
        fn planning_any_text(
            ext in 0..EXTS.len(),
            docker in any::<bool>(),
            pre in "(\\PC|[\"'`#/*=:\\\\ \n\r\u{feff}é]){0,30}",
            mid in "(\\PC|[\"'`#/*=:\\\\ \n\r]){0,12}",
            post in "(\\PC|[\"'`#/*=:\\\\ \n\r]){0,12}",
        ) {
            let path = if docker { "Dockerfile".to_string() } else { format!("f.{}", EXTS[ext]) };
            let text = format!("{pre}access_key_id = \"{ID}\"{mid}\nsecret_key = '{SECRET}'{post}");
            let found = akscan::scan::Scanner::builtin().scan_bytes(&path, text.as_bytes());
            let plan = akscan::fix::plan(&found, |_| Ok(text.clone().into_bytes()));
            for f in &plan.files {
                for fp in f.fixes.keys() {
                    let v = found.iter().find(|x| &x.fingerprint == fp).unwrap();
                    prop_assert!(!f.fixed.contains(v.secret.expose()), "{}", f.fixed);
                }
            }
        }
    }
}
