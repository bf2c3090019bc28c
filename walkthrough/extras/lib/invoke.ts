// What a function error says, for the extras that invoke many times (their invokes are
// invokeTail/invokeTailCli in lib/actions/lambda.ts).

/** errorType of a function error payload, or the payload itself. */
export function errorTypeOf(payload: string): string {
  try {
    const p = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    return [p.errorType, p.errorMessage].filter(Boolean).join(': ') || payload;
  } catch {
    return payload.slice(0, 200);
  }
}
