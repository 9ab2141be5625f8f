// The two ways publishing stops, kept apart (as the spec runner keeps "did not
// match" apart from "could not run"):
//   PublishRefusal: the gate said no (missing, red, stale or wrong-target report, no
//                   source commit, ...). Nothing was pushed; the branch is unchanged.
//   PublishFailure: the gate said yes but building or pushing did not work.
// Both carry exactly one line for the terminal. Only the CLI entry point exits.

/** The gate refused: one line saying why. Exit status 1. */
export class PublishRefusal extends Error {
  override name = 'PublishRefusal';
  readonly exitCode = 1;
}

/** Building or pushing failed after the gate passed: one line. Exit status 3. */
export class PublishFailure extends Error {
  override name = 'PublishFailure';
  readonly exitCode = 3;
}

/** Remove credentials from URLs (`https://user:token@host/` -> `https://***@host/`) before printing. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

/** First non-empty line of an error's message, redacted: what the terminal shows. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line =
    message
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? 'unknown error';
  return redactUrl(line);
}
