// Validate and bless a page against given command outputs, through the real stages
// (parse -> extract -> validate -> planUpdates/applyEdits) with the machine left out:
// validation and update are pure, so an observation is all they need.
import { parseMarkdown } from '../../generator/content/parse.ts';
import { extractPage } from '../../generator/spec/extract.ts';
import type { CaseOutcome, CommandOutcome } from '../../generator/spec/outcome.ts';
import { worstStatus } from '../../generator/spec/outcome.ts';
import { applyEdits, planUpdates } from '../../generator/spec/update.ts';
import { blockOutcome, CaseValidator } from '../../generator/spec/validate.ts';

/** Each command's observed stdout, in document order; every command exits 0. */
export function validatePage(source: string, outputs: readonly string[], file = 'page.md'): { outcomes: CaseOutcome[]; errors: string[] } {
  const page = extractPage(parseMarkdown(file, source));
  let k = 0;
  const outcomes: CaseOutcome[] = page.cases.map((c) => {
    const validator = new CaseValidator();
    const blocks = c.blocks.map((block) => {
      if (block.kind !== 'transcript') throw new Error('no contract tables here');
      const commands: CommandOutcome[] = block.commands.map((cmd) =>
        validator.command(block, cmd, { command: cmd.command, stdout: outputs[k++] ?? '', stderr: '', status: 0, timedOut: false, durationMs: 0 }),
      );
      return blockOutcome(block, commands, 0);
    });
    return { spec: c, status: worstStatus(blocks.map((b) => b.status)), blocks, durationMs: 0, reboots: 0, machine: null };
  });
  return { outcomes, errors: page.errors.map((e) => e.message) };
}

/** What `--update` writes for these outputs. */
export function blessPage(source: string, outputs: readonly string[], file = 'page.md'): string {
  const { outcomes } = validatePage(source, outputs, file);
  return applyEdits(source, planUpdates(outcomes).get(file) ?? []);
}
