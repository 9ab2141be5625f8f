/** A problem the user can cause or fix (bad id, missing confirmation, not a moss root):
 *  the CLI prints its message as one line and exits 1. Nothing on disk has changed. */
export class MossError extends Error {
  override name = 'MossError';
}
