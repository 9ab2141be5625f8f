import type { CommandContext } from './context.ts'; export async function doctor(_ctx: CommandContext): Promise<number> { return 0; }
