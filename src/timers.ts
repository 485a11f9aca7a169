/** Node timers cap at about 24.8 days; this one re-arms until `at`, however far away. */
export function timerAt(at: Date, callback: () => void): { clear(): void } {
  const MAX = 2 ** 31 - 1;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const ms = at.getTime() - Date.now();
    timer = ms > MAX ? setTimeout(arm, MAX) : setTimeout(callback, Math.max(ms, 0));
    timer.unref?.();
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}

/** Resolves true once `promise` settles (fulfilled or rejected), false after `ms`. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeUp]);
  } finally {
    clearTimeout(timer);
  }
}
