// Removals shared by every teardown (the walkthrough's, the persistence probe's, lambdash's): what
// disappeared meanwhile counts as removed. Imports no SDK client, so any resource may use it.
import { isNotFound } from './errors.ts';

/** Runs a removal; a resource that disappeared meanwhile counts as removed. */
export async function gone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
