// Observed output → the lines the matcher compares: ANSI escape sequences
// removed, CRLF as LF, trailing whitespace of each line removed, trailing
// blank lines removed. Expected lines get the same treatment at extraction.

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and two-byte ESC sequences.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC and BEL are what this pattern removes.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Output text as normalised lines ("" → []). */
export function outputLines(text: string): string[] {
  const lines = stripAnsi(text)
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
