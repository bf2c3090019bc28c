// Names and ids in Lambda's shapes: log streams, trace headers, runtime versions.
import { createHash, randomBytes } from 'node:crypto';

/** `YYYY/MM/DD/[$LATEST]<32 hex>`, dated (UTC) when the environment starts. */
export function logStreamName(envId: string, now = new Date()): string {
  const d = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${d}/[$LATEST]${envId}`;
}

/** An X-Ray trace header for an invocation that came without one. */
export function newTraceId(now = Date.now()): string {
  const epoch = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

/** The client context JSON as a header value: one line, ASCII only (non-ASCII as JSON \u escapes). */
export function clientContextHeader(json: string): string {
  let text = json;
  try {
    text = JSON.stringify(JSON.parse(json));
  } catch {
    // pass it on as given
  }
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
      .replace(/[\u0000-\u001f]/g, '')
      .replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  );
}

let version: [string, string] | undefined;

/** `nodejs:<major>.v<minor>` of the Node.js that runs the functions, and a stable ARN for it. */
export function runtimeVersion(region: string): [string, string] {
  if (!version) {
    const [major, minor] = process.versions.node.split('.');
    const hash = createHash('sha256').update(`nodejs-${process.versions.node}`).digest('hex');
    version = [`nodejs:${major}.v${minor}`, hash];
  }
  return [version[0], `arn:aws:lambda:${region}::runtime:${version[1]}`];
}
