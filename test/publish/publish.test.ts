// publishSite() against a real bare git remote on disk, with the real gh-pages package,
// the real content loader and a stand-in build writing a fixed dist/.

import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { publishSite, type PublishOptions } from '../../generator/publish/publish.ts';
import { PublishRefusal } from '../../generator/publish/refusal.ts';
import type { SpecReport } from '../../generator/spec/report-types.ts';
import { DIST, branchFiles, copyProject, git, greenReport, makeProject, refs, writeDist, writeReport, type Project } from './project.ts';

let project: Project;
let dist: Record<string, string>;

beforeEach(() => {
  project = makeProject();
  dist = { ...DIST };
});
afterEach(() => project.dispose());

function options(extra: Partial<PublishOptions> = {}): PublishOptions {
  return {
    root: project.root,
    build: async ({ root }) => writeDist(join(root, 'dist'), dist),
    ...extra,
  };
}

/** The exact set of paths, modes and contents the branch must hold for `files`. */
function expectedTree(files: Record<string, string>): Map<string, { mode: string; text: string }> {
  const want = new Map<string, { mode: string; text: string }>();
  for (const [file, text] of Object.entries(files)) want.set(file, { mode: '100644', text });
  want.set('CNAME', { mode: '100644', text: 'onix-os.com\n' });
  want.set('.nojekyll', { mode: '100644', text: '' });
  return new Map([...want].sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('publishing a green, fresh vm report', () => {
  test('the gh-pages branch holds exactly dist/ plus CNAME and .nojekyll', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    const outcome = await publishSite(options());
    assert.equal(outcome.verdict.publish, true);
    assert.ok(outcome.pushed?.changed);
    assert.deepEqual(branchFiles(project.remote, 'gh-pages'), expectedTree(DIST));
    // main (with its README, .gitignore and content/) is untouched and nothing of it leaked in.
    assert.equal(git(project.remote, 'rev-parse', 'main'), git(project.root, 'rev-parse', 'HEAD'));
    assert.equal(git(project.remote, 'rev-parse', 'gh-pages'), outcome.pushed?.commit);
    assert.equal(git(project.remote, 'rev-parse', 'gh-pages^{tree}'), outcome.pushed?.tree);
  });

  test('the commit names the source commit and the fstx, dated like the source commit', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    await publishSite(options());
    const source = git(project.root, 'rev-parse', 'HEAD');
    const subject = git(project.remote, 'log', '-1', '--format=%s', 'gh-pages');
    assert.equal(subject, `Publish onix-os.com from ${source.slice(0, 12)} (spec green on vm, fstx 7)`);
    const body = git(project.remote, 'log', '-1', '--format=%b', 'gh-pages');
    assert.match(body, new RegExp(`^Source commit: ${source}$`, 'm'));
    assert.match(body, /^Machine: image img-0123456789ab, fstx 7$/m);
    assert.equal(
      git(project.remote, 'log', '-1', '--format=%aI|%cI|%an <%ae>', 'gh-pages'),
      '2026-01-02T03:04:05Z|2026-01-02T03:04:05Z|onix-publish <publish@onix-os.com>'.replaceAll('Z', '+00:00'),
    );
  });

  test('a second publish keeps CNAME, drops removed files and keeps history', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    const first = await publishSite(options());
    // The next build has no CNAME of its own, loses a page and gains one.
    delete dist.CNAME;
    delete dist['404.html'];
    dist['roadmap/index.html'] = '<!doctype html><title>Roadmap</title>\n';
    const second = await publishSite(options());
    assert.ok(second.pushed?.changed);
    assert.deepEqual(branchFiles(project.remote, 'gh-pages'), expectedTree(dist));
    assert.equal(git(project.remote, 'rev-parse', 'gh-pages^'), first.pushed?.commit);
  });

  test('publishing the same inputs again changes nothing', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    const first = await publishSite(options());
    const before = refs(project.remote);
    const again = await publishSite(options());
    assert.equal(again.pushed?.changed, false);
    assert.equal(again.pushed?.commit, first.pushed?.commit);
    assert.equal(refs(project.remote), before);
  });

  test('the same commit and report give the same tree (and commit) in two fresh remotes', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    const first = await publishSite(options());
    const other = join(project.base, 'other.git');
    git(project.base, 'init', '-q', '--bare', other);
    const second = await publishSite(options({ repo: other }));
    assert.equal(second.pushed?.tree, first.pushed?.tree);
    assert.equal(second.pushed?.commit, first.pushed?.commit);
  });

  test('a relative --repo path is taken from the current directory', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    const outcome = await publishSite(options({ repo: relative(process.cwd(), project.remote) }));
    assert.equal(outcome.repo, project.remote);
    assert.deepEqual(branchFiles(project.remote, 'gh-pages'), expectedTree(DIST));
  });

  test('--branch publishes elsewhere and leaves gh-pages alone', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    await publishSite(options({ branch: 'site' }));
    assert.deepEqual(branchFiles(project.remote, 'site'), expectedTree(DIST));
    assert.doesNotMatch(refs(project.remote), /gh-pages/);
  });
});

describe('refusals leave the branch unchanged', () => {
  // A project that published a good site (so there is a branch that must not move), made once;
  // each test spoils a copy of it.
  let published: Project;
  before(async () => {
    project = makeProject();
    writeReport(project.reportPath, greenReport(project.root));
    await publishSite(options());
    assert.match(refs(project.remote), /refs\/heads\/gh-pages/);
    published = project;
  });
  after(() => published.dispose());
  beforeEach(() => {
    project.dispose();
    project = copyProject(published);
  });

  /** Make the published project's next publish bad with `spoil`. */
  async function assertRefused(spoil: () => SpecReport | string | null, message: RegExp, extra: Partial<PublishOptions> = {}): Promise<void> {
    const report = spoil();
    if (report === null) rmSync(project.reportPath);
    else writeReport(project.reportPath, report);
    const before = refs(project.remote);
    let built = false;
    await assert.rejects(
      publishSite(
        options({
          ...extra,
          build: async ({ root }) => {
            built = true;
            return writeDist(join(root, 'dist'), dist);
          },
        }),
      ),
      (error: unknown) => {
        assert.ok(error instanceof PublishRefusal, `expected a refusal, got ${String(error)}`);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      },
    );
    assert.equal(refs(project.remote), before);
    assert.equal(built, false, 'a refused publish does not build');
    // And dry-run refuses for the same reason, still pushing nothing.
    const dry = await publishSite(options({ ...extra, dryRun: true }));
    assert.equal(dry.verdict.publish, false);
    assert.match(dry.verdict.reason, message);
    assert.equal(refs(project.remote), before);
  }

  test('a report with a failed case', async () => {
    const red = greenReport(project.root, (r) => {
      r.cases[0]!.status = 'failed';
      r.cases[0]!.blocks[0]!.status = 'failed';
      r.totals = { passed: 0, failed: 1, skipped: 0, errors: 0 };
    });
    await assertRefused(() => red, /^the spec report is red: 1 failing block, first content\/cli\.md:9 in "onix"$/);
  });

  test('a report with a block that could not run', async () => {
    const broken = greenReport(project.root, (r) => {
      r.cases[0]!.blocks[0]!.status = 'error';
      r.cases[0]!.blocks[0]!.message = 'could not run: the VM did not boot';
    });
    await assertRefused(() => broken, /^the spec report is red: 1 failing block, first content\/cli\.md:9 in "onix" \(could not run: the VM did not boot\)$/);
  });

  test('a report with a spec error', async () => {
    const broken = greenReport(project.root, (r) => (r.specErrors = [{ file: 'content/cli.md', line: 9, message: 'unclosed block' }]));
    await assertRefused(() => broken, /^the spec report is red: content\/cli\.md:9: unclosed block$/);
  });

  test('a report limited by --filter', async () => {
    await assertRefused(() => greenReport(project.root, (r) => (r.filter = 'rollback')), /^the spec report covers only cases matching --filter rollback$/);
  });

  test('a stale report: a page changed after the spec ran', async () => {
    await assertRefused(() => {
      const report = greenReport(project.root);
      writeFileSync(join(project.root, 'content/index.md'), '---\ntitle: ONIX\n---\n\n# ONIX, edited\n');
      return report;
    }, /^the spec report is stale: content\/index\.md changed since the spec ran/);
  });

  test('a stale report: a new page', async () => {
    await assertRefused(() => {
      const report = greenReport(project.root);
      writeFileSync(join(project.root, 'content/a-new.md'), '---\ntitle: New\n---\n\n# New\n');
      return report;
    }, /^the spec report is stale: content\/a-new\.md is not covered by it \(a new page, or a run on some pages only\)$/);
  });

  test('a stale report: a page that is gone', async () => {
    await assertRefused(
      () => greenReport(project.root, (r) => r.pages.push({ file: 'content/gone.md', contentHash: 'ab'.repeat(32) })),
      /^the spec report is stale: content\/gone\.md is in it but no longer in content\/$/,
    );
  });

  test('a stale report: other code ran the spec (a matcher or the machine layer changed since)', async () => {
    await assertRefused(
      () => greenReport(project.root, (r) => (r.verifier = 'ab'.repeat(32))),
      /^the spec report is stale: the code that runs the spec changed since it ran \(verifier abababababab then, [0-9a-f]{12} now\)$/,
    );
  });

  test('a stale report: one that does not say which code ran it', async () => {
    await assertRefused(
      () => greenReport(project.root, (r) => delete r.verifier),
      /^the spec report is stale: the report does not say which code ran it \(a live view, or a run from before reports did\)$/,
    );
  });

  test('a report from the local target', async () => {
    await assertRefused(
      () => greenReport(project.root, (r) => (r.machine.target = 'local')),
      /^the spec ran against the 'local' target; publishing needs a run on 'vm' or 'ssh'$/,
    );
  });

  test('a report from the sandbox target', async () => {
    await assertRefused(() => greenReport(project.root, (r) => (r.machine.target = 'sandbox')), /'sandbox' target/);
  });

  test("one shard's report", async () => {
    await assertRefused(() => greenReport(project.root, (r) => (r.shard = '2/4')), /^the spec report covers only shard 2\/4: merge the shard reports first$/);
  });

  test('a report that verified nothing', async () => {
    const empty = greenReport(project.root, (r) => {
      r.cases = [];
      r.totals = { passed: 0, failed: 0, skipped: 0, errors: 0 };
    });
    await assertRefused(() => empty, /^the spec report verified nothing: no block passed$/);
  });

  test('no report', async () => {
    await assertRefused(() => null, /^no spec report at .*report\.json: run `npm run spec -- --target vm` first$/);
  });

  test('a report that is not JSON, or not a report', async () => {
    await assertRefused(() => '{"version": 1, "machine"', /^the spec report .*report\.json is unusable: not a spec report \(invalid JSON\)$/);
    await assertRefused(() => '{"version": 1, "cases": [], "pages": []}', /^the spec report .*report\.json is unusable: machine\.target is missing$/);
  });

  test('onto the branch the checkout is on', async () => {
    await assertRefused(() => greenReport(project.root), /^refusing to publish onto main, the branch this checkout is on$/, { branch: 'main' });
  });

  test('a dist/CNAME for another domain', async () => {
    dist.CNAME = 'example.org\n';
    writeReport(project.reportPath, greenReport(project.root));
    const before = refs(project.remote);
    await assert.rejects(publishSite(options()), /dist\/CNAME says 'example\.org' but the site's domain is 'onix-os\.com'/);
    assert.equal(refs(project.remote), before);
  });
});

describe('--dry-run', () => {
  test('lists the files and the reason, and pushes nothing', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    const before = refs(project.remote);
    const dry = await publishSite(options({ dryRun: true }));
    assert.equal(dry.verdict.publish, true);
    assert.match(dry.verdict.reason, /^Publish onix-os\.com from [0-9a-f]{12} \(spec green on vm, fstx 7\)$/);
    assert.deepEqual(dry.files, [...expectedTree(DIST).keys()]);
    assert.equal(dry.repo, project.remote);
    assert.equal(refs(project.remote), before);
    assert.doesNotMatch(before, /gh-pages/);
  });

  test('reports a failing build as the reason', async () => {
    writeReport(project.reportPath, greenReport(project.root));
    const dry = await publishSite(
      options({
        dryRun: true,
        build: async () => {
          throw new Error('content/cli.md:3: broken link\nstack...');
        },
      }),
    );
    assert.deepEqual(dry.verdict, { publish: false, reason: 'the site build failed: content/cli.md:3: broken link' });
  });
});
