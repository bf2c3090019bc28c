// boto3 (python3) against the local endpoint: a script gets `s3` (a client for the endpoint, path
// style, one attempt) and `out(value)` to hand a JSON-able value back to the test.
import { spawn, spawnSync } from 'node:child_process';
import { ROOT } from './local-aws.ts';

// The first Python that imports boto3: PYTHON if set, then python3 on PATH, then Debian's own
// /usr/bin/python3 (where apt's python3-boto3 lands when PATH's python3 is another install, e.g. pyenv).
const CANDIDATES = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
const PYTHON = CANDIDATES.find((py) => spawnSync(py, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0);

/** Whether a Python with boto3 was found (Debian's python3-boto3 in CI). */
export const BOTO3 = PYTHON !== undefined;

/** Skip reason for node:test when boto3 is missing; CI sets REQUIRE_BOTO3=1 to make that a failure. */
export const noBoto3 = BOTO3 || process.env.REQUIRE_BOTO3 === '1' ? false : 'boto3 is not installed (python3-boto3)';

const PRELUDE = `
import json, sys, boto3, botocore
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',
    aws_access_key_id='${ROOT.accessKeyId}', aws_secret_access_key='${ROOT.secretAccessKey}',
    config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
def out(value):
    print(json.dumps(value, default=str))
def error_of(fn):
    try:
        fn()
        return None
    except botocore.exceptions.ClientError as e:
        return {'code': e.response['Error'].get('Code'), 'status': e.response['ResponseMetadata']['HTTPStatusCode']}
`;

/** Runs `script` (after the prelude) and returns what it passed to `out`. */
export function boto3(url: string, script: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON ?? 'python3', ['-c', PRELUDE + script, url], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`boto3 script exited ${code}:\n${stderr}`));
      const lines = stdout.trim().split('\n');
      resolve(JSON.parse(lines[lines.length - 1] || 'null'));
    });
  });
}
