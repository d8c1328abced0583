// A warning that repeats while something stays broken (Redis away, a server failing) is logged
// at most once per interval, saying how many were held back, so the log says what is wrong
// without drowning the rest. web's visit counter and the Redis ambassador use it.

/**
 * `log`, let through at most once per `intervalMs`; it gets how many calls were held back since
 * the last one it let through, then the caller's arguments.
 */
export function rateLimited<Args extends unknown[]>(
  intervalMs: number,
  log: (suppressed: number, ...args: Args) => void,
  now: () => number = Date.now,
): (...args: Args) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (...args) => {
    if (now() - lastAt < intervalMs) {
      suppressed += 1;
      return;
    }
    lastAt = now();
    log(suppressed, ...args);
    suppressed = 0;
  };
}
