// Types for the parts of the `gh-pages` package (v6, CommonJS, untyped) that publishing uses.
declare module 'gh-pages' {
  /** gh-pages' handle on its clone of the target branch; `cwd` is the clone's work tree. */
  export interface GhPagesGit {
    cwd: string;
    exec(...args: string[]): Promise<GhPagesGit>;
    output: string;
  }
  export interface GhPagesOptions {
    repo?: string;
    branch?: string;
    remote?: string;
    message?: string;
    dotfiles?: boolean;
    history?: boolean;
    push?: boolean;
    add?: boolean;
    src?: string | string[];
    dest?: string;
    nojekyll?: boolean;
    cname?: string;
    user?: { name: string; email: string } | null;
    depth?: number;
    git?: string;
    silent?: boolean;
    beforeAdd?: (git: GhPagesGit) => Promise<unknown> | unknown;
  }
  export function publish(basePath: string, options: GhPagesOptions, callback: (error?: Error) => void): Promise<void> | undefined;
  export function getCacheDir(repo?: string): string;
  export function clean(): void;
  const ghpages: { publish: typeof publish; getCacheDir: typeof getCacheDir; clean: typeof clean };
  export default ghpages;
}
