// `npx tsx generator/cli/merge-reports.ts [--out DIR] SHARD_DIR_OR_REPORT...`
//
// CI: merges the report directories of the spec shards into one whole-run report
// (default: .spec/report.json and .spec/junit.xml, console logs alongside).
// Exit status: 0 merged and green, 1 merged but red, 2 could not merge.

import { parseArgs } from 'node:util';
import { mergeShardDirs } from '../publish/merge-shards.ts';
import { oneLine } from '../publish/refusal.ts';
import { DEFAULT_REPORT_DIR } from '../spec/report-types.ts';

const USAGE = 'usage: merge-reports [--out DIR] SHARD_DIR_OR_REPORT_JSON...';

function parseOptions(argv: string[]) {
  return parseArgs({ args: argv, options: { out: { type: 'string' } }, allowPositionals: true, strict: true });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    console.error(`merge-reports: ${oneLine(error)}\n${USAGE}`);
    return 2;
  }
  const out = parsed.values.out ?? DEFAULT_REPORT_DIR;
  try {
    const merged = await mergeShardDirs(parsed.positionals, out);
    const t = merged.totals;
    const red = t.failed > 0 || t.errors > 0 || (merged.specErrors?.length ?? 0) > 0;
    console.log(
      `merged ${parsed.positionals.length} reports into ${out}/: ${merged.cases.length} cases; ` +
        `${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped on ${merged.machine.target}`,
    );
    return red ? 1 : 0;
  } catch (error) {
    console.error(`merge-reports: ${oneLine(error)}`);
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
