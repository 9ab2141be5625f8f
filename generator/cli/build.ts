// `npm run build`: content/ -> dist/, showing the last spec report's results.
// Usage: build [--content DIR] [--out DIR] [--report-dir DIR] [--no-report]

import { parseArgs } from 'node:util';
import { BuildError, buildSite } from '../site/build.ts';
import { loadReport } from '../spec/report.ts';
import { DEFAULT_REPORT_DIR } from '../spec/report-types.ts';

/** A mistake the user can fix, shown as its one-line message. */
class UserError extends Error {}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      content: { type: 'string', default: 'content' },
      out: { type: 'string', default: 'dist' },
      'report-dir': { type: 'string', default: DEFAULT_REPORT_DIR },
      'no-report': { type: 'boolean', default: false },
    },
  });
  const reportDir = values['report-dir'];
  let report = null;
  try {
    report = values['no-report'] ? null : await loadReport(reportDir);
  } catch (error) {
    throw new UserError(`build failed: ${(error as Error).message}`);
  }
  const result = await buildSite({ contentDir: values.content, outDir: values.out, report, reportDir });
  const { tokenized, cached } = result.highlighted;
  console.log(
    `built ${result.pages} pages (${result.files.length} files) into ${values.out}/ in ${Math.round(result.durationMs)} ms; ` +
      `code blocks highlighted: ${tokenized}, from cache: ${cached}; ` +
      (report ? `spec results from ${reportDir}/report.json (${report.finishedAt})` : 'no spec report: blocks shown as not run'),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UserError) {
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
