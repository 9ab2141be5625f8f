// A promise raced against a timeout whose timer never outlives the race: a pending
// timer keeps the process up (a lost `sleep(300 s)` once kept every test process
// that rebooted a VM alive for minutes).

/** `p`, or what `late` gives if `p` has not settled after `ms`. */
export function within<T>(p: Promise<T>, ms: number, late: () => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
