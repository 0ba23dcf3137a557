/** Polls until `check` holds; fails after `timeoutMs` (never long: durations in tests are settings). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, everyMs = 25): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`waited ${timeoutMs} ms and the condition still does not hold`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
