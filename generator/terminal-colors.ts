// Whether this process colours what it prints: only on a terminal. picocolors alone also
// colours when CI is set, which puts escape codes into piped output and CI logs.
import pc from 'picocolors';

export const terminalColor = process.stdout.isTTY === true && pc.isColorSupported;

/** picocolors' functions, plain when output is not a terminal. */
export const colors = pc.createColors(terminalColor);
