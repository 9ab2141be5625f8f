// Types of bundle-inputs.js (CommonJS, so the launchers load it without a TypeScript step).
export function isFresh(bundle: string, manifest: string, repo: string): boolean;
export function writeInputs(manifest: string, repo: string, paths: string[]): void;
