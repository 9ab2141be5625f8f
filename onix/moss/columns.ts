// Upstream's column printer (os-tools crates/tui/src/pretty.rs `autoprint_columns`) and
// the column renderings moss uses: states (moss/src/state.rs `ColumnDisplay`), packages
// and package updates (moss/src/package/render.rs). Without a terminal the width is 80
// (crates/tui/src/lib.rs `TermSize::default`). Trailing spaces are upstream's.

export interface ColumnItem {
  width: number;
  /** Renders the item; `pad` is the padding width, `last` whether it is the last column. */
  render(pad: number, last: boolean): string;
}

const TERM_WIDTH = 80;
/** render.rs `COLUMN_PADDING`. */
const COLUMN_PADDING = 3;

/** Rust's `{:width$}` applied to " ": at least one character. */
function spaces(width: number): string {
  return ' '.repeat(Math.max(1, width));
}

/** pretty.rs `column_printer` with no fixed column count. */
export function autoprintColumns(items: ColumnItem[], termWidth = TERM_WIDTH): string {
  if (items.length === 0) return '';
  const largest = Math.min(termWidth, Math.max(...items.map((i) => i.width)) + 1);
  const colnum = Math.max(1, Math.floor(termWidth / largest));
  const rownum = Math.ceil(items.length / colnum);
  let out = '';
  for (let y = 0; y < rownum; y++) {
    for (let x = 0; x < colnum; x++) {
      const item = items[y + x * rownum];
      if (item) out += item.render(Math.max(0, largest - item.width), x !== 0 && x === colnum - 1);
    }
    out += '\n';
  }
  return out;
}

/** state.rs `ColumnDisplay`: "State <id>" and its padding. */
export function stateColumn(id: number): ColumnItem {
  const text = `State ${id}`;
  return { width: text.length, render: (pad) => `${text}${spaces(pad)}` };
}

/** render.rs `&Package`: "<name> <pad><version>-<release>", then three spaces unless last. */
export function packageColumn(name: string, version: string, release: number): ColumnItem {
  return {
    width: name.length + version.length + String(release).length + COLUMN_PADDING,
    render: (pad, last) => `${name} ${spaces(pad)}${version}-${release}${last ? '' : '   '}`,
  };
}

/** render.rs `package::Update`: "<name> <pad><old> -> <new>", then three spaces unless last. */
export function updateColumn(name: string, from: { version: string; release: number }, to: { version: string; release: number }): ColumnItem {
  return {
    width: name.length + from.version.length + String(from.release).length + to.version.length + String(to.release).length + COLUMN_PADDING + 6,
    render: (pad, last) => `${name} ${spaces(pad)}${from.version}-${from.release} -> ${to.version}-${to.release}${last ? '' : '   '}`,
  };
}
