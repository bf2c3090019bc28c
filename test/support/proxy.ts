// A forwarding proxy in front of the endpoint, for tests that fault or cut one call: each request is
// buffered, then `intercept` may answer it itself, or let it through and cut the caller off once the
// upstream answer is in (the change is made, the caller never hears of it); else it passes unchanged.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Interception =
  | undefined
  | { answer: { status: number; headers: Record<string, string | number>; body: string } }
  | { cutAfterUpstream: (status: number) => void };

export interface Proxy {
  url: string;
  close(): Promise<void>;
}

export function startProxy(target: URL, intercept: (req: ProxiedRequest) => Interception): Promise<Proxy> {
  const p = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const what = intercept({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
      if (what && 'answer' in what) {
        res.writeHead(what.answer.status, what.answer.headers);
        res.end(what.answer.body);
        return;
      }
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          if (!what) {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            return;
          }
          up.resume();
          up.on('end', () => {
            what.cutAfterUpstream(up.statusCode ?? 0);
            res.destroy();
          });
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  return new Promise((resolve) =>
    p.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(p.address() as AddressInfo).port}`,
        close: () => new Promise((r) => p.close(() => r())),
      }),
    ),
  );
}
