// s3rver (the peer) in a process of its own, on loopback, in the folder given as argv[2].
// Prints "s3rver listening on http://127.0.0.1:PORT" once it listens; SIGTERM stops it.
import { createRequire } from 'node:module';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
}) => S3rverInstance;

// s3rver ships no types: the two methods used here are declared above.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
const directory = process.argv[2];
if (!directory) throw new Error('usage: s3rver-server.ts <directory>');
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
const addr = await server.run();
console.log(`s3rver listening on http://127.0.0.1:${addr.port}`);
process.on('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
