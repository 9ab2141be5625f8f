import type { CommandContext } from './context.ts'; export async function update(_ctx: CommandContext): Promise<number> { return 0; }
