// Test events as S3 sends them (like `sam local generate-event s3 put`), and a sample image.
import sharp from 'sharp';

/** S3 event keys are form-encoded: space -> `+`, `+` -> `%2B`, non-ASCII as UTF-8 `%XX`, `/` kept. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

export interface PutEventInput {
  bucket: string;
  key: string;
  size: number;
  eTag: string;
  region: string;
  partition: string;
  configurationId?: string;
}

export function s3PutEvent(e: PutEventInput) {
  const now = new Date();
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: e.region,
        eventTime: now.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:EXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'EXAMPLE123456789', 'x-amz-id-2': 'EXAMPLE123/walkthrough' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: e.configurationId ?? 'walkthrough-test-event',
          bucket: {
            name: e.bucket,
            ownerIdentity: { principalId: 'EXAMPLE' },
            arn: `arn:${e.partition}:s3:::${e.bucket}`,
          },
          object: {
            key: encodeEventKey(e.key),
            size: e.size,
            eTag: e.eTag.replace(/"/g, ''),
            sequencer: now.getTime().toString(16).toUpperCase(),
          },
        },
      },
    ],
  };
}

/** A colourful 1600x1000 JPEG, so the walkthrough needs no image of yours. */
export async function sampleImage(label: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1000">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="#ff9a3c"/><stop offset="0.5" stop-color="#ff3c7d"/>
    <stop offset="1" stop-color="#3c7dff"/>
  </linearGradient></defs>
  <rect width="1600" height="1000" fill="url(#g)"/>
  <circle cx="800" cy="450" r="300" fill="#ffd93c" stroke="#333" stroke-width="12"/>
  <circle cx="700" cy="380" r="40" fill="#333"/><circle cx="900" cy="380" r="40" fill="#333"/>
  <path d="M640 540 Q800 680 960 540" stroke="#333" stroke-width="18" fill="none" stroke-linecap="round"/>
  <text x="800" y="930" font-size="64" font-family="sans-serif" text-anchor="middle"
    fill="#fff">${label.replace(/[<&>]/g, '')}</text>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

/** Content type by the bytes, for the upload (the handler itself never trusts the name). */
export async function imageContentType(bytes: Buffer): Promise<string> {
  const format = (await sharp(bytes).metadata()).format;
  const types: Record<string, string> = {
    jpeg: 'image/jpeg',
    png: 'image/png',
    webp: 'image/webp',
    gif: 'image/gif',
    tiff: 'image/tiff',
    heif: 'image/avif',
    avif: 'image/avif',
  };
  return (format && types[format]) || 'application/octet-stream';
}
