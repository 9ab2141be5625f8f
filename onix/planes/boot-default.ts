// Which entry systemd-boot boots, for loader.conf's `default` (a name or a glob such as
// "onix*", quotes removed), as systemd-boot resolves it: entries without a sort-key are
// ordered by id (file name) with strverscmp, highest first, and the first entry the
// pattern matches is the default; with no default (or no match) the first entry is.
// (systemd src/boot/boot.c `boot_entry_compare` and `config_find_entry`.) blsforme writes
// no sort-key, so this order is the one an upstream moss machine boots by.

/** strverscmp-style comparison: digit runs compare as numbers, everything else by code unit. */
export function versionCompare(a: string, b: string): number {
  const parts = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const [x, y] = [pa[i], pb[i]];
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** A loader.conf value without surrounding quotes. */
export function unquote(value: string): string {
  return value.replace(/^(["'])(.*)\1$/, '$2');
}

/** fnmatch with `*`, `?` and `[...]`, matched against the whole entry id. */
function globToRegExp(pattern: string): RegExp {
  let src = '';
  for (const c of pattern) src += c === '*' ? '.*' : c === '?' ? '.' : c === '[' || c === ']' ? c : c.replace(/[.+^${}()|\\]/g, '\\$&');
  return new RegExp(`^${src}$`);
}

/** Entry file names in systemd-boot's menu order (highest version first). */
export function bootOrder(names: string[]): string[] {
  return names.filter((n) => n.endsWith('.conf')).sort((a, b) => -versionCompare(a, b));
}

/** The entry systemd-boot boots for this `default` (null: none set), or undefined when there are no entries. */
export function resolveDefault(defaultValue: string | null, names: string[]): string | undefined {
  const order = bootOrder(names);
  if (defaultValue) {
    const pattern = unquote(defaultValue);
    const re = globToRegExp(pattern);
    const hit = order.find((n) => re.test(n) || re.test(n.replace(/\.conf$/, '')));
    if (hit) return hit;
  }
  return order[0];
}
