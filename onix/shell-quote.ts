// One word for a POSIX shell: left bare when it holds only characters no shell treats
// specially (so a command shown to a reader stays readable), else single-quoted with each
// ' written as '\''.

export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
