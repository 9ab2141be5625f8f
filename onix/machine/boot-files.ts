// The kernel, initrd and options a machine would boot, read from its boot
// entries (bls.ts) either in an image's root tree on the host (first boot) or in
// the running guest through the agent (before a reboot or crash), and copied to
// the host so QEMU can -kernel/-initrd them. Files are cached by (path, size,
// mtime) so an unchanged kernel is not copied again.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConnection } from './agent-client.ts';
import { BOOT_ROOTS } from '../planes/boot-entries.ts';
import { chooseEntry, parseEntry } from './bls.ts';

export interface BootFiles {
  entry: string;
  kernel: string;
  initrd: string | null;
  options: string;
}

/** Read access to a machine's files: host root tree or running guest. */
export interface BootSource {
  readText(path: string): Promise<string | null>;
  list(dir: string): Promise<string[]>;
  /** Changes whenever the file's content may have changed (e.g. "size mtime"). */
  fingerprint(path: string): Promise<string>;
  copy(path: string, hostPath: string): Promise<void>;
  /** Releases what the source holds (a guest session); called once the files are loaded. */
  close?(): Promise<void>;
}

export function hostTreeSource(root: string): BootSource {
  const at = (p: string): string => join(root, p);
  return {
    async readText(p) {
      try {
        return readFileSync(at(p), 'utf8');
      } catch {
        return null;
      }
    },
    async list(d) {
      try {
        return readdirSync(at(d));
      } catch {
        return [];
      }
    },
    async fingerprint(p) {
      const st = statSync(at(p));
      return `${st.size} ${Math.floor(st.mtimeMs / 1000)}`;
    },
    async copy(p, hostPath) {
      copyFileSync(at(p), hostPath);
    },
  };
}

export function guestSource(conn: AgentConnection): BootSource {
  // One shell for every read: a session each cost a shell start in the guest, several per reboot.
  let session: ReturnType<AgentConnection['open']> | null = null;
  const sh = async (command: string): Promise<{ status: number; stdout: string }> => {
    session ??= conn.open({ login: false, shell: '/bin/sh' });
    return (await session).run(command, { timeoutMs: 30_000 });
  };
  const q = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;
  return {
    async readText(p) {
      const r = await sh(`cat ${q(p)}`);
      return r.status === 0 ? r.stdout : null;
    },
    async list(d) {
      const r = await sh(`ls -1 ${q(d)}`);
      return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
    },
    async fingerprint(p) {
      const r = await sh(`stat -L -c '%s %Y' ${q(p)}`);
      if (r.status !== 0) throw new Error(`cannot stat ${p} on the machine`);
      return r.stdout.trim();
    },
    async copy(p, hostPath) {
      await conn.copyOut(p, hostPath);
    },
    async close() {
      const s = session;
      session = null;
      await (await s?.catch(() => null))?.close();
    },
  };
}

async function cachedCopy(source: BootSource, path: string, cacheDir: string): Promise<string> {
  const fp = await source.fingerprint(path);
  const name = createHash('sha256').update(`${path}\0${fp}`).digest('hex').slice(0, 24);
  const out = join(cacheDir, name);
  if (!existsSync(out)) {
    mkdirSync(cacheDir, { recursive: true }); // a long-running machine's cache may have been pruned (disk.ts pruneUnusedImages)
    const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await source.copy(path, tmp);
    renameSync(tmp, out);
  }
  return out;
}

/** Resolves the default boot entry of `source` and brings its files into `cacheDir`. */
export async function loadBootFiles(source: BootSource, cacheDir: string): Promise<BootFiles> {
  try {
    return await loadFrom(source, cacheDir);
  } finally {
    await source.close?.();
  }
}

async function loadFrom(source: BootSource, cacheDir: string): Promise<BootFiles> {
  // The boot root: XBOOTLDR (/boot) on ONIX, the ESP (/efi) on a machine without one (boot-entries.ts).
  let boot: string = BOOT_ROOTS[0];
  for (const r of BOOT_ROOTS)
    if ((await source.list(`${r}/loader`)).length > 0) {
      boot = r;
      break;
    }
  const loader = await source.readText(`${boot}/loader/loader.conf`);
  const entryName = chooseEntry(loader, await source.list(`${boot}/loader/entries`));
  const text = await source.readText(`${boot}/loader/entries/${entryName}`);
  if (text === null) throw new Error(`cannot read boot entry ${entryName}`);
  const entry = parseEntry(entryName, text, boot);
  const kernel = await cachedCopy(source, entry.linux, cacheDir);
  let initrd: string | null = null;
  if (entry.initrd.length === 1) initrd = await cachedCopy(source, entry.initrd[0], cacheDir);
  else if (entry.initrd.length > 1) {
    // Several initrds are concatenated cpio archives, exactly as a boot loader loads them.
    const parts = await Promise.all(entry.initrd.map((p) => cachedCopy(source, p, cacheDir)));
    initrd = join(cacheDir, `${createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 24)}.cat`);
    if (!existsSync(initrd)) {
      const tmp = `${initrd}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat(parts.map((p) => readFileSync(p))));
      renameSync(tmp, initrd);
    }
  }
  return { entry: entry.name, kernel, initrd, options: entry.options };
}

export function sameBoot(a: BootFiles, b: BootFiles): boolean {
  return a.kernel === b.kernel && a.initrd === b.initrd && a.options === b.options;
}
