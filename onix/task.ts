// Progress for long build phases: `task(name, fn)` reports the start, the end
// and how long it took, through one onProgress sink (the CLI prints it).
export type Progress = (line: string) => void;

export async function task<T>(progress: Progress, name: string, fn: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  progress(`${name} ...`);
  const result = await fn();
  progress(`${name} done (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  return result;
}
