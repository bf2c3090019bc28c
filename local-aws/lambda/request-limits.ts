// How large a Lambda request may be, per operation (docs/local-aws/protocols.md#lambda-limits), known
// from the method and path before the body is read, so an oversized upload is refused with AWS's message
// without buffering it.
import { MAX_SYNC_PAYLOAD } from './invoke.ts';

/** CreateFunction / UpdateFunctionCode: a 50 MB zip as base64 inside the JSON, plus the rest. */
export const MAX_CODE_REQUEST = 70_167_211;
/** Any other Lambda request: far above what any of them carries. */
const MAX_OTHER_REQUEST = 80 * 1024 * 1024;

export interface RequestLimit {
  bytes: number;
  /** AWS names the operation in its message for the ones it documents. */
  operation?: string;
}

export function lambdaRequestLimit(method: string, rawPath: string, invocationType?: string): RequestLimit {
  const p = rawPath.replace(/\/+$/, '');
  if (method === 'POST' && p === '/2015-03-31/functions')
    return { bytes: MAX_CODE_REQUEST, operation: 'CreateFunction' };
  if (method === 'PUT' && /^\/2015-03-31\/functions\/[^/]+\/code$/.test(p))
    return { bytes: MAX_CODE_REQUEST, operation: 'UpdateFunctionCode' };
  // An Event invoke over 1 MB gets its own message from Invoke itself.
  if (method === 'POST' && invocationType !== 'Event' && /^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(p))
    return { bytes: MAX_SYNC_PAYLOAD, operation: 'InvokeFunction' };
  return { bytes: MAX_OTHER_REQUEST };
}

export function requestTooLargeMessage(limit: RequestLimit): string {
  return limit.operation
    ? `Request must be smaller than ${limit.bytes} bytes for the ${limit.operation} operation`
    : `Request must be smaller than ${limit.bytes} bytes.`;
}
