/** The HotpathError a call refuses with (fails the test when it returns or throws anything else). */
import assert from 'node:assert/strict';
import { HotpathError } from '../../lib/errors.ts';

export function refusal(fn: () => unknown): HotpathError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HotpathError, `expected a HotpathError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}

export async function asyncRefusal(p: Promise<unknown>): Promise<HotpathError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HotpathError, `expected a HotpathError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}
