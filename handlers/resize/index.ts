// Lambda entry point (`index.handler`). Module scope runs once per execution environment: one S3
// client (region from AWS_REGION, endpoint from AWS_ENDPOINT_URL when set, path-style chosen by the
// SDK for IP endpoints) shared by all invocations. Reads no files at load.
import { S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { createHandler } from './handler.ts';

// Every object is different: libvips' operation cache would only grow the environment's memory.
sharp.cache(false);

const s3 = new S3Client({});

export const handler = createHandler({ s3 });
export type { Summary } from './handler.ts';
