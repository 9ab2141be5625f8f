// `npm run build`: verify the spec, then content/ -> dist/ showing the spec's results.
// Usage: build [--content DIR] [--out DIR] [--report-dir DIR] [--target NAME] [--no-verify] [--no-report]
//
// The spec is verified first (or a fresh, green report for exactly these pages is
// reused), on the VM where QEMU is installed, else the sandbox; a red spec writes no
// dist/. `--no-verify` builds from whatever report exists (the dev loop's view).

import { slowProgress } from './slow-progress.ts';
import { parseArgs } from 'node:util';
import { terminalColor } from '../terminal-colors.ts';
import { defaultTarget } from '../../onix/machine/default-target.ts';
import { ContentReadError, loadContent } from '../content/load.ts';
import { ContentError, type ParsedPage } from '../content/parse.ts';
import { BuildError, buildSite } from '../site/build/build.ts';
import type { ImageManifest } from '../../onix/image/manifest.ts';
import { readImageManifest } from '../site/model/image-manifest.ts';
import { bootsImage } from '../../onix/machine/targets.ts';
import { testImage } from '../../onix/image/provider.ts';
import { loadReport, reportFreshness, type Verifier } from '../spec/report.ts';
import { verifierHash } from '../spec/verifier.ts';
import { runSpec } from '../spec/run.ts';
import { SpecRunError } from '../spec/types.ts';
import { DEFAULT_REPORT_DIR, type SpecReport } from '../spec/report-types.ts';

const imageProgress = (line: string) => process.stderr.write(`spec: ${line}\n`);

/** A mistake the user can fix, shown as its one-line message. */
class UserError extends Error {}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      content: { type: 'string', default: 'content' },
      out: { type: 'string', default: 'dist' },
      'report-dir': { type: 'string', default: DEFAULT_REPORT_DIR },
      'no-report': { type: 'boolean', default: false },
      'no-verify': { type: 'boolean', default: false },
      target: { type: 'string' },
    },
  });
  const reportDir = values['report-dir'];
  let report: SpecReport | null = null;
  try {
    report = values['no-report'] ? null : await loadReport(reportDir);
  } catch (error) {
    if (values['no-verify']) throw new UserError(`build failed: ${(error as Error).message}`);
    report = null; // unreadable: verifying writes a new one
  }
  // The one parse of each page, when the spec needs it: the site build uses these same objects.
  let pages: ParsedPage[] | undefined;
  if (!values['no-verify'] && !values['no-report']) {
    pages = await loadContent(values.content);
    report = await verifiedReport(pages, reportDir, report, values.target);
  }
  let manifest: ImageManifest | null = null;
  try {
    manifest = report?.machine.imageId ? await readImageManifest(report.machine.imageId) : null;
  } catch (error) {
    throw new UserError(`build failed: ${(error as Error).message}`);
  }
  const result = await buildSite({ contentDir: values.content, pages, outDir: values.out, report, reportDir, manifest });
  const { rendered, cached } = result.rendered;
  console.log(
    `built ${result.pages} pages (${result.files.length} files) into ${values.out}/ in ${Math.round(result.durationMs)} ms; ` +
      `pages rendered: ${rendered}, from cache: ${cached}; code blocks highlighted: ${result.highlighted.tokenized}; ` +
      (report ? `spec results from ${reportDir}/report.json (${report.finishedAt})` : 'no spec report: blocks shown as not run'),
  );
  return 0;
}

/**
 * A green report for exactly the current pages, made by this checkout's code on the image the
 * target would boot now: reused when so and from a real machine, else run now.
 */
async function verifiedReport(pages: ParsedPage[], reportDir: string, last: SpecReport | null, target?: string): Promise<SpecReport> {
  const wanted = target ?? defaultTarget();
  if (last && last.machine.target !== 'local' && (target === undefined || last.machine.target === wanted)) {
    const now: Verifier = { verifier: verifierHash() };
    // Knowing the image costs its up-to-date check (or its build, which the run would need anyway).
    if (bootsImage(last.machine.target) && reportFreshness(last, pages, now).ok) now.imageId = (await testImage(imageProgress)).imageId;
    const freshness = reportFreshness(last, pages, now);
    if (freshness.ok) {
      console.log(
        `spec: reusing the green report from ${last.machine.target} (${last.machine.host}, image ${last.machine.imageId ?? '-'}, fstx ${last.machine.fstx ?? '-'}, ${last.finishedAt}) for these pages`,
      );
      return last;
    }
    if (freshness.green && freshness.changed.length > 0) console.log(`spec: not reusing the last report: ${freshness.changed.join('; ')}`);
  }
  console.log(`spec: verifying ${pages.length} pages on target ${wanted}${wanted === 'sandbox' ? ' (no QEMU here: kernel and boot cases are skipped)' : ''}`);
  const color = terminalColor;
  let result;
  try {
    const progress = slowProgress((line) => process.stderr.write(`spec: ${line}\n`));
    try {
      result = await runSpec({
        pages,
        target: wanted,
        outDir: reportDir,
        color,
        write: (text) => process.stdout.write(`${text}\n`),
        onProgress: progress.line,
      });
    } finally {
      progress.stop();
    }
  } catch (error) {
    if (error instanceof SpecRunError) throw new UserError(`build failed: spec could not run: ${error.message}`);
    throw error;
  }
  if (result.exitCode !== 0) {
    throw new UserError(`build failed: the spec is red on ${wanted} (see above); dist/ was not written`);
  }
  return result.report;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UserError || error instanceof ContentError || error instanceof ContentReadError) {
      console.error(error.message);
    } else if (error instanceof BuildError) {
      console.error(error.message);
      console.error(`build failed: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}`);
    } else if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`build failed: ${error.message}`);
    } else if (error instanceof SyntaxError || (error instanceof Error && error.name === 'TypeError' && 'code' in error)) {
      console.error(`build failed: ${error.message}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
