import type { CommandContext } from './context.ts'; export async function gc(_ctx: CommandContext): Promise<number> { return 0; }
