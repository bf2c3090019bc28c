// lambdash's own state file, beside the walkthrough's (which removes its file when the walkthrough is
// torn down): what lambdash created, written before each create so an interrupted deploy resumes and
// teardown knows what is its own; and what is deployed, so a run normally costs one Invoke.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STATE_DIR, type OwnedResource } from '../../lib/state.ts';
import type { TargetKind } from '../../lib/settings.ts';

export interface DeployedFunction {
  codeSha256: string;
  /** The function's timeout, seconds. */
  timeout: number;
  memorySize: number;
  architecture: string;
  roleArn: string;
  bucket: string;
}

export interface LambdashState {
  version: 1;
  target: TargetKind;
  endpoint?: string;
  accountId: string;
  region: string;
  updatedAt?: string;
  role?: OwnedResource & { arn: string };
  bucket?: OwnedResource;
  logGroup?: OwnedResource;
  function?: OwnedResource & { arn: string; deployed?: DeployedFunction };
}

export function lambdashStateFile(target: TargetKind, endpoint: string | undefined, accountId: string, region: string, name: string): string {
  const where = target === 'endpoint' && endpoint ? `endpoint-${new URL(endpoint).host.replace(/[^A-Za-z0-9.-]/g, '_')}` : target;
  return path.resolve(STATE_DIR, `${name}-${where}-${accountId}-${region}.json`);
}

export class LambdashStateFile {
  data: LambdashState;

  constructor(
    readonly file: string,
    initial: Omit<LambdashState, 'version'>,
    private readonly readOnly: boolean,
  ) {
    if (fs.existsSync(file)) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as LambdashState;
      if (parsed.version !== 1) throw new Error(`${file} has an unknown format (version ${String(parsed.version)}); move it away and re-run.`);
      this.data = parsed;
    } else {
      this.data = { version: 1, ...initial };
    }
  }

  /** Applies a change and writes the file atomically at once (never in a dry run). */
  update(change: (s: LambdashState) => void): void {
    change(this.data);
    if (this.readOnly) return;
    this.data.updatedAt = new Date().toISOString();
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2) + '\n');
    fs.renameSync(tmp, this.file);
  }

  remove(): void {
    if (!this.readOnly) fs.rmSync(this.file, { force: true });
  }
}
