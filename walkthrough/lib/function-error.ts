// What a function error says (its errorType and errorMessage), for the commands that print or record
// one: npm run invoke, tune, persistence.

/** errorType of a function error payload, or the payload itself. */
export function errorTypeOf(payload: string): string {
  try {
    const p = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    return [p.errorType, p.errorMessage].filter(Boolean).join(': ') || payload;
  } catch {
    return payload.slice(0, 200);
  }
}
