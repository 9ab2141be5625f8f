// A lock file so two `onix gc` runs on one root cannot interleave: created
// with O_EXCL, holding the owner's pid. A lock whose pid no longer runs (a
// killed gc) is taken over; one whose pid runs is refused.

import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT, OnixError } from './errors.ts';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `file`; returns its release function. Throws OnixError(refused) when held. */
export function acquireLock(file: string, what: string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new OnixError(`cannot create lock ${file}: ${(error as NodeJS.ErrnoException).code}`, EXIT.failed);
    }
    let pid = NaN;
    try {
      pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      /* vanished: retry */
    }
    if (Number.isInteger(pid) && pid > 0 && running(pid)) {
      throw new OnixError(`another ${what} is running (pid ${pid}, lock ${file}); nothing changed`, EXIT.refused);
    }
    rmSync(file, { force: true });
  }
  throw new OnixError(`cannot take lock ${file}`, EXIT.refused);
}
