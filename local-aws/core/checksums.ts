// The checksums S3 clients send (x-amz-checksum-*, Content-MD5), computed incrementally so large
// bodies are hashed as they stream.
import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

const CRC64NVME_TABLE = (() => {
  const poly = 0x9a6c9329ac4bc9b5n;
  const table: bigint[] = [];
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? poly ^ (c >> 1n) : c >> 1n;
    table.push(c);
  }
  return table;
})();

/** An incremental digest with the same interface whatever the algorithm. */
export interface Digest {
  update(chunk: Buffer): void;
  /** Raw digest bytes (big-endian for the CRCs). */
  digest(): Buffer;
}

class Crc32 implements Digest {
  private value = 0;
  update(chunk: Buffer) {
    this.value = zlib.crc32(chunk, this.value);
  }
  digest() {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0);
    return out;
  }
}

class Crc32c implements Digest {
  private value = 0xffffffff;
  update(chunk: Buffer) {
    let c = this.value;
    for (let i = 0; i < chunk.length; i++) c = CRC32C_TABLE[(c ^ chunk[i]!) & 0xff]! ^ (c >>> 8);
    this.value = c >>> 0;
  }
  digest() {
    const out = Buffer.alloc(4);
    out.writeUInt32BE((this.value ^ 0xffffffff) >>> 0);
    return out;
  }
}

class Crc64Nvme implements Digest {
  private value = 0xffffffffffffffffn;
  update(chunk: Buffer) {
    let c = this.value;
    for (let i = 0; i < chunk.length; i++) c = CRC64NVME_TABLE[Number((c ^ BigInt(chunk[i]!)) & 0xffn)]! ^ (c >> 8n);
    this.value = c;
  }
  digest() {
    const out = Buffer.alloc(8);
    out.writeBigUInt64BE(this.value ^ 0xffffffffffffffffn);
    return out;
  }
}

class NodeHash implements Digest {
  private readonly hash: Hash;
  constructor(name: string) {
    this.hash = createHash(name);
  }
  update(chunk: Buffer) {
    this.hash.update(chunk);
  }
  digest() {
    return this.hash.digest();
  }
}

export function createDigest(algorithm: ChecksumAlgorithm | 'md5'): Digest {
  switch (algorithm) {
    case 'crc32':
      return new Crc32();
    case 'crc32c':
      return new Crc32c();
    case 'crc64nvme':
      return new Crc64Nvme();
    case 'sha1':
    case 'sha256':
    case 'md5':
      return new NodeHash(algorithm);
  }
}

export function checksumBase64(algorithm: ChecksumAlgorithm | 'md5', data: Buffer): string {
  const d = createDigest(algorithm);
  d.update(data);
  return d.digest().toString('base64');
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Expected raw length of each algorithm's digest: a header of another length is malformed. */
export const DIGEST_LENGTH: Record<ChecksumAlgorithm | 'md5', number> = {
  crc32: 4,
  crc32c: 4,
  crc64nvme: 8,
  sha1: 20,
  sha256: 32,
  md5: 16,
};
