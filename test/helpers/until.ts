/**
 * Polls `cond` until it holds, failing with `what` once `timeoutMs` has passed: for tests that wait on work a
 * process does in the background (a batch written, a lookup made).
 */
import assert from 'node:assert/strict';

export async function until(what: string, cond: () => boolean | Promise<boolean>, { timeoutMs = 15_000, everyMs = 50 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    assert.ok(Date.now() < deadline, `timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
