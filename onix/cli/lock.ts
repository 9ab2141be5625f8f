// A lock file so two `onix gc` runs on one root cannot interleave: created
// with O_EXCL, holding the owner (pid, start time, boot: onix/owned-dirs.ts, so a
// reused pid is not taken for the owner). A lock whose owner is gone (a killed gc,
// or a file naming none) is taken over; one whose owner runs is refused.

import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive, ownerText, parseOwner } from '../owned-dirs.ts';
import { EXIT, OnixError } from './errors.ts';

/** Takes the lock at `file`; returns its release function. Throws OnixError(refused) when held. */
export function acquireLock(file: string, what: string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, ownerText());
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new OnixError(`cannot create lock ${file}: ${(error as NodeJS.ErrnoException).code}`, EXIT.failed);
    }
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      /* vanished: retry */
    }
    const owner = parseOwner(text);
    if (owner && isAlive(owner)) {
      throw new OnixError(`another ${what} is running (pid ${owner.pid}, lock ${file}); nothing changed`, EXIT.refused);
    }
    rmSync(file, { force: true });
  }
  throw new OnixError(`cannot take lock ${file}`, EXIT.refused);
}
