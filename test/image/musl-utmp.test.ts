// Why the musl dropbear is configured without login records (recipes/dropbear-musl.ts):
// musl's utmp functions are stubs that keep nothing (musl src/legacy/utmpx.c: getutxent,
// pututxline return NULL; updwtmpx does nothing). Checked against the host's musl, the same
// Debian musl the image's base is built with.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIGURE_CHANGES } from '../../onix/image/recipes/dropbear-musl.ts';

test("musl's utmp functions keep no records, so dropbear is built without them", () => {
  const dir = mkdtempSync(join(tmpdir(), 'onix-musl-utmp-'));
  try {
    writeFileSync(
      join(dir, 'utmp.c'),
      `#include <stdio.h>
#include <string.h>
#include <utmpx.h>
int main(void) {
  struct utmpx u; memset(&u, 0, sizeof u);
  u.ut_type = USER_PROCESS; strcpy(u.ut_user, "alice"); strcpy(u.ut_line, "pts/0");
  setutxent();
  printf("%s %s\\n", pututxline(&u) ? "written" : "not-written", getutxent() ? "read" : "nothing");
  return 0;
}
`,
    );
    execFileSync('musl-gcc', ['-o', join(dir, 'utmp'), join(dir, 'utmp.c')]);
    assert.equal(execFileSync(join(dir, 'utmp'), { encoding: 'utf8' }), 'not-written nothing\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const flags = CONFIGURE_CHANGES.find((c) => c.flags.includes('--disable-utmpx'));
  assert.ok(flags, 'dropbear is configured without utmpx');
  assert.ok(flags.flags.includes('--disable-wtmp') && flags.flags.includes('--disable-pututxline'));
  assert.match(flags.why, /stub utmp functions/);
});
