import type { CommandContext } from './context.ts'; export async function rollback(_ctx: CommandContext): Promise<number> { return 0; }
