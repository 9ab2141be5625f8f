// `npm run publish -- [--repo URL] [--branch NAME] [--dry-run] [--report PATH]`
//
// Publishes dist/ to the pages branch only when the spec report is green, from a `vm`
// or `ssh` run, and fresh for every page of content/. The project root is the cwd.
// Exit status: 0 published (or would publish), 1 refused, 2 usage error, 3 the build
// or the push failed.

import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { readImageManifest } from '../site/model/image-manifest.ts';
import { buildSite } from '../site/build/build.ts';
import { publishSite, type BuildInput } from '../publish/publish.ts';
import { PublishFailure, PublishRefusal, oneLine } from '../publish/refusal.ts';

const USAGE = 'usage: npm run publish -- [--repo URL] [--branch NAME] [--dry-run] [--report PATH]';

/** The site build into `<root>/dist`, showing the gated report's results. */
async function buildDist({ report, root, reportDir }: BuildInput): Promise<string> {
  const result = await buildSite({
    contentDir: join(root, 'content'),
    outDir: join(root, 'dist'),
    report,
    reportDir,
    // The test machine page describes the image the gated report ran on.
    manifest: report?.machine.imageId ? await readImageManifest(report.machine.imageId) : null,
    rootDir: root,
    cacheDir: join(root, '.cache', 'site'),
  });
  return result.outDir;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        repo: { type: 'string' },
        branch: { type: 'string' },
        'dry-run': { type: 'boolean' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`publish: ${oneLine(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dryRun = values['dry-run'] ?? false;
  const outcome = await publishSite({
    root: process.cwd(),
    reportPath: values.report ? resolve(values.report) : undefined,
    repo: values.repo,
    branch: values.branch,
    dryRun,
    build: buildDist,
    log: (line) => console.log(`publish: ${line}`),
  });
  const target = `${outcome.repo || '(no repository)'} (${outcome.branch})`;
  if (dryRun) {
    console.log(`dry run: ${outcome.files.length} files for ${target}:`);
    for (const file of outcome.files) console.log(`  ${file}`);
    if (outcome.verdict.publish) {
      console.log(pc.green(`would publish: ${outcome.verdict.reason}`));
      return 0;
    }
    console.error(pc.red(`would refuse: ${outcome.verdict.reason}`));
    return 1;
  }
  const pushed = outcome.pushed;
  if (!pushed) throw new PublishFailure('nothing was pushed');
  const short = `${pushed.commit.slice(0, 12)} (tree ${pushed.tree.slice(0, 12)})`;
  console.log(
    pushed.changed
      ? pc.green(`published ${outcome.files.length} files to ${target}: ${short}`)
      : pc.green(`${target} already holds this site: ${short}, nothing pushed`),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof PublishRefusal) {
      console.error(pc.red(`publish refused: ${oneLine(error)}`));
      process.exit(error.exitCode);
    }
    if (error instanceof PublishFailure) {
      console.error(pc.red(`publish failed: ${oneLine(error)}`));
      process.exit(error.exitCode);
    }
    console.error(pc.red(`publish failed: ${oneLine(error)}`));
    process.exit(3);
  },
);
