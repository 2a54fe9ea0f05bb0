#!/usr/bin/env python3
"""Generates tests/shapes: credential shapes in many languages and layouts (positives) and
look-alikes next to them (negatives), labeled like the corpus (labels.json, negatives.json).

Deterministic (fixed seed): re-running it rewrites the same files. Values are random, not
real keys. Run from anywhere: python3 tests/shapes/generate.py
"""
import json
import os
import random
import shutil
import string

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261123)
ALNUM = string.ascii_letters + string.digits


def rand(n, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def kid(n=20):
    return "LTAI" + rand(n)


def sec(n=30):
    while True:
        s = rand(n)
        if any(c.isupper() for c in s) and any(c.islower() for c in s):
            return s


files = {}      # path -> text
labels = []     # {path, line, kind, value}
negatives = []  # {path, reason}


def pos(path, template, **extra):
    """template uses {I} (ID) and {S} (secret); every line holding one is labeled."""
    vals = {"I": kid(), "S": sec()}
    vals.update(extra)
    text = template.format(**vals)
    files[path] = text
    for n, line in enumerate(text.split("\n"), 1):
        for key, kind in (("I", "access_key_id"), ("S", "access_key_secret")):
            v = vals[key]
            if v in line:
                labels.append({"path": path, "line": n, "kind": kind, "value": v})
    return vals


def neg(path, text, reason):
    files[path] = text
    negatives.append({"path": path, "reason": reason})


pos("kotlin/Main.kt", 'val client = DefaultAcsClient(DefaultProfile.getProfile("cn-hangzhou", "{I}", "{S}"))\n')
pos("scala/App.scala", 'val cfg = new Config()\n  .setAccessKeyId("{I}")\n  .setAccessKeySecret("{S}")\n')
pos("swift/Cfg.swift", 'let accessKeyId = "{I}"\nlet accessKeySecret = "{S}"\n')
pos("rust/main.rs", 'let id = "{I}";\nlet secret = "{S}";\n')
pos("c/main.c", '#define ALIYUN_AK "{I}"\n#define ALIYUN_SK "{S}"\n')
pos("cpp/main.cpp", 'std::string ak = "{I}";\nstd::string sk = "{S}";\n')
pos("lua/cfg.lua", 'local cfg = {{ access_key_id = "{I}", access_key_secret = "{S}" }}\n')
pos("perl/x.pl", 'my $ak = "{I}";\nmy $sk = "{S}";\n')
pos("r/x.R", 'Sys.setenv(ALIBABA_CLOUD_ACCESS_KEY_ID = "{I}", ALIBABA_CLOUD_ACCESS_KEY_SECRET = "{S}")\n')
pos("dart/x.dart", "final credentials = {{'accessKeyId': '{I}', 'accessKeySecret': '{S}'}};\n")
pos("groovy/Jenkinsfile", "environment {{\n  ALICLOUD_ACCESS_KEY = '{I}'\n  ALICLOUD_SECRET_KEY = '{S}'\n}}\n")
pos("make/Makefile", "ACCESS_KEY_ID ?= {I}\nACCESS_KEY_SECRET ?= {S}\n")
pos("helm/values.yaml", 'oss:\n  accessKeyId: "{I}"\n  accessKeySecret: "{S}"\n')
pos("ansible/vars.yml", "alicloud_access_key: {I}\nalicloud_secret_key: {S}\n")
pos("toml/cfg.toml", '[aliyun]\naccess_key_id = "{I}"\naccess_key_secret = "{S}"\n')
pos("nginx/oss.conf", "set $oss_ak {I};\nset $oss_sk {S};\n")
pos("csv/keys.csv", "AccessKey ID,AccessKey Secret\n{I},{S}\n")
pos("csv/user-keys.csv", "User Name,AccessKey ID,AccessKey Secret\nops@123.onaliyun.com,{I},{S}\n")
pos("ts/client.ts", "const client = new Core({{\n  accessKeyId: '{I}',\n  accessKeySecret: '{S}',\n  endpoint: 'https://ecs.aliyuncs.com',\n}});\n")
pos("php/oss.php", "<?php\n$client = new OssClient('{I}', '{S}', $endpoint);\n")
pos("php/legacy.php", "<?php\nAlibabaCloud::accessKeyClient('{I}', '{S}')->regionId('cn-hangzhou')->asDefaultClient();\n")
pos("go/tea.go", 'config := &openapi.Config{{\n\tAccessKeyId:     tea.String("{I}"),\n\tAccessKeySecret: tea.String("{S}"),\n}}\n')
pos("cs/Prog.cs", 'IClientProfile profile = DefaultProfile.GetProfile("cn-hangzhou", "{I}", "{S}");\n')
pos("java/Oss.java", 'OSS ossClient = new OSSClientBuilder().build(endpoint, "{I}", "{S}");\n')
pos("sh/cli.sh", "aliyun configure set --profile prod --mode AK --region cn-hangzhou --access-key-id {I} --access-key-secret {S}\n")
pos("sh/ossutil.sh", "ossutil config -e oss-cn-hangzhou.aliyuncs.com -i {I} -k {S}\n")
pos("ini/.ossutilconfig", "[Credentials]\nlanguage=EN\nendpoint=oss-cn-hangzhou.aliyuncs.com\naccessKeyID={I}\naccessKeySecret={S}\n")
pos("json/ecs-task.json", '{{"environment": [{{"name": "ALIBABA_CLOUD_ACCESS_KEY_ID", "value": "{I}"}}, {{"name": "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "value": "{S}"}}]}}\n')
pos("k8s/env.yaml", 'env:\n  - name: ALIBABA_CLOUD_ACCESS_KEY_ID\n    value: {I}\n  - name: ALIBABA_CLOUD_ACCESS_KEY_SECRET\n    value: "{S}"\n')
pos("xml/app.config", '<appSettings>\n  <add key="AccessKeyId" value="{I}" />\n  <add key="AccessKeySecret" value="{S}" />\n</appSettings>\n')
pos("xml/beans.xml", '<bean id="x" class="A">\n  <property name="accessKeyId" value="{I}"/>\n  <property name="accessKeySecret" value="{S}"/>\n</bean>\n')
pos("py/kwargs.py", "client = oss2.Auth(\n    access_key_id='{I}',\n    access_key_secret='{S}')\n")
pos("py/dict.py", "CREDS = {{'ak': '{I}', 'sk': '{S}'}}\n")
pos("py/tuple.py", "KEYS = [\n    ('{I}', '{S}'),\n]\n")
pos("py/tea.py", "config = open_api_models.Config(access_key_id='{I}', access_key_secret='{S}')\n")
pos("md/notes.md", "| key | value |\n|---|---|\n| AccessKey ID | {I} |\n| AccessKey Secret | {S} |\n")
pos("sql/update.sql", "UPDATE accounts SET access_key = '{I}', secret = '{S}' WHERE id = 3;\n")
pos("js/nested.js", 'module.exports = {{ aliyun: {{ ak: "{I}", sk: "{S}" }} }};\n')
pos("vue/App.vue", "<script>\nexport default {{ data() {{ return {{ accessKeyId: '{I}', accessKeySecret: '{S}' }} }} }}\n</script>\n")
pos("ps/set.ps1", "Set-Item -Path Env:ALIBABA_CLOUD_ACCESS_KEY_ID -Value '{I}'\nSet-Item -Path Env:ALIBABA_CLOUD_ACCESS_KEY_SECRET -Value '{S}'\n")
pos("tf/prod.tfvars", 'access_key = "{I}"\nsecret_key = "{S}"\n')
pos("tf/backend.tf", 'terraform {{\n  backend "oss" {{\n    bucket = "tf-state"\n    access_key = "{I}"\n    secret_key = "{S}"\n  }}\n}}\n')
pos("py/secret_first.py", 'ALIYUN_SECRET = "{S}"\nALIYUN_KEY = "{I}"\n')
pos("py/legacy16.py", 'AK = "{I}"\nSK = "{S}"\n', I=kid(12))
pos("rb/hash_rocket.rb", "Aliyun::OSS::Client.new(:access_key_id => '{I}', :access_key_secret => '{S}')\n")
pos("yaml/workflow.yml", "env:\n  ALIBABA_CLOUD_ACCESS_KEY_ID: {I}\n  ALIBABA_CLOUD_ACCESS_KEY_SECRET: {S}\n")
pos("java/MapOf.java", 'Map<String,String> m = Map.of("accessKeyId", "{I}", "accessKeySecret", "{S}");\n')
pos("go/struct.go", 'var creds = Creds{{ID: "{I}", Secret: "{S}"}}\n')
pos("py/fstring.py", 'url = f"https://example.com/?ak={I}&sk={S}"\n')
pos("log/app.log", "2024-01-01 INFO creating client with AccessKeyId={I} AccessKeySecret={S}\n")
pos("java/SysProps.java", 'System.setProperty("alibaba.accessKeySecret", "{S}");\nSystem.setProperty("alibaba.accessKeyId", "{I}");\n')
pos("env/.env.production", 'OSS_ACCESS_KEY_ID="{I}"\nOSS_ACCESS_KEY_SECRET="{S}"\n')
pos("sh/docker.sh", "docker run -e ALIBABA_CLOUD_ACCESS_KEY_ID={I} -e ALIBABA_CLOUD_ACCESS_KEY_SECRET={S} app\n")
pos("py/comment.py", "# ak: {I} sk: {S}\n")
pos("js/one-line.min.js", 'var a={{b:"{I}",c:"{S}",d:"oss-cn-hangzhou"}};')
pos("json/escaped.json", '{{"code": "auth = oss2.Auth(\\"{I}\\", \\"{S}\\")"}}\n')
pos("url/creds.txt", "oss://{I}:{S}@my-bucket/path\n")
pos("cfg/jvm.options", "-Dalibaba.cloud.access-key={I}\n-Dalibaba.cloud.secret-key={S}\n")
pos("yaml/spring-cloud.yml", "spring:\n  cloud:\n    alicloud:\n      access-key: {I}\n      secret-key: {S}\n")
pos("bat/set-quoted.cmd", 'set "ALIBABA_CLOUD_ACCESS_KEY_ID={I}"\nset "ALIBABA_CLOUD_ACCESS_KEY_SECRET={S}"\n')
pos("tf/variables.tf", 'variable "access_key" {{\n  type    = string\n  default = "{I}"\n}}\n\nvariable "secret_key" {{\n  type    = string\n  default = "{S}"\n}}\n')
pos("py/environ.py", 'import os\nos.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "{I}"\nos.environ.setdefault("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "{S}")\n')
pos("go/setenv.go", 'os.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "{I}")\nos.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "{S}")\n')
pos("java/SpringValue.java", '@Value("${{aliyun.access-key-id:{I}}}")\nprivate String id;\n@Value("${{aliyun.secret:{S}}}")\nprivate String secret;\n')
pos("yaml/accounts.yml", "accounts:\n  - name: billing\n    id: {I}\n    secret: {S}\n")
pos("reg/aliyun.reg", 'Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\Software\\Acme]\n"AccessKeyId"="{I}"\n"AccessKeySecret"="{S}"\n')
pos("sql/comment.sql", "-- ak: {I}\n-- sk: {S}\nSELECT 1;\n")
pos("html/comment.html", "<!-- accessKeyId={I} accessKeySecret={S} -->\n<p>hi</p>\n")
pos("py/repl-output.txt", ">>> creds\n('{I}',\n '{S}')\n")

I, S = kid(), sec()
neg("neg/decoys.json", "{\n" + f'  "RequestId": "{sec()}",\n  "TraceId": "{sec()}",\n  "HostId": "{sec()}"\n' + "}\n",
    "30-character request, trace and host ids")
neg("neg/random30.py", f'TOKEN_CACHE = ["{sec()}", "{sec()}"]\nx = "{sec()}"\n', "random 30-character strings with no Alibaba context")
neg("neg/csrf.html", f'<input type="hidden" name="csrf" value="{sec()}">\n', "a CSRF token")
neg("neg/bundle.min.js", f'!function(e){{var t="{sec()}",n="{sec()}";e.exports={{a:t,b:n}}}}', "minified code with random strings")
neg("neg/other-secrets.yml", f"env:\n  GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}\n  CLIENT_SECRET: {sec()}\n  JWT_SECRET: {sec()}\n  DB_PASSWORD: {sec()}\n", "secrets of other systems")
neg("neg/settings.py", f'SECRET_KEY = "{sec(50)}"\n', "a Django secret key")
neg("neg/aws.env", f"AWS_ACCESS_KEY_ID=AKIA{rand(16, string.ascii_uppercase + string.digits)}\nAWS_SECRET_ACCESS_KEY={sec(40)}\n", "AWS keys")
neg("neg/placeholders.md", "Set `accessKeyId` to `LTAI5t**************` and `accessKeySecret` to `<your-secret>`.\n"
    "Example: LTAI1234567890abcdef\naccess_key_secret: ********************\nsk=yourAccessKeySecret\n", "placeholders")
neg("neg/env_lookup.go", 'id := os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID")\nsecret := os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")\n', "environment reads")
neg("neg/identifiers.java", "String accessKeySecret = getAccessKeySecretFromVaultNow();\nString sk = AccessKeySecretProviderFactoryBean;\n",
    "identifiers, not values")
neg("neg/ltai-words.py", "DELTAIMPORTBATCHSIZEDEFAULTVALUES = 1\nclass ALTAIRIndexLTAIMapper: pass\n", "identifiers containing LTAI")
neg("neg/sts-doc.md", "The STS AccessKeyId looks like STS.NUxxxxxxxxxxxxxxxxxxx and the token starts with CAIS....\n", "documentation of the STS format")
neg("neg/example-pair.py", 'AcsClient("LTAIexampleExampleExample", "exampleSecretExampleSecretExam", "cn-hangzhou")\n', "example values")
neg("neg/hex.ini", f"secret_key = {rand(30, '0123456789abcdef')}\n", "a hex digest under a secret name")
neg("neg/lock.txt", "\n".join(f'"{sec(30)}": "sha512-{rand(86, ALNUM + "+/")}=="' for _ in range(5)) + "\n", "lock-file hashes")
neg("neg/blob.txt", "data: " + rand(400, ALNUM + "+/") + "+LTAI" + rand(20) + "+" + rand(200, ALNUM + "+/") + "\n",
    "LTAI inside a base64 blob")

out = HERE
for sub in ("files",):
    shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
for path, text in files.items():
    full = os.path.join(out, "files", path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", newline="") as fh:
        fh.write(text)
with open(os.path.join(out, "labels.json"), "w") as fh:
    json.dump(labels, fh, indent=1)
    fh.write("\n")
with open(os.path.join(out, "negatives.json"), "w") as fh:
    json.dump(negatives, fh, indent=1)
    fh.write("\n")
print(f"{len(files)} files, {len(labels)} labels, {len(negatives)} negative files")
