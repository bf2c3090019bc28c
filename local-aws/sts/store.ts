// Sessions issued by AssumeRole: temporary credentials bound to a role, valid until they expire.
import * as path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { JsonFile } from '../core/persist.ts';
import type { SessionCaller } from '../core/request.ts';

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601 */
  expiration: string;
  accountId: string;
  roleArn: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  /** Session policies (JSON texts) passed to AssumeRole: they narrow the role's permissions. */
  sessionPolicies?: string[];
}

interface StsState {
  sessions: Record<string, Session>;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKeyId(prefix: string): string {
  const bytes = randomBytes(16);
  let id = prefix;
  for (let i = 0; id.length < 20; i++) id += KEY_ALPHABET[bytes[i]! % KEY_ALPHABET.length];
  return id;
}

export class StsStore {
  private readonly file: JsonFile<StsState>;

  constructor(dataDir: string) {
    this.file = new JsonFile<StsState>(path.join(dataDir, 'sts', 'sessions.json'), () => ({ sessions: {} }));
    this.dropExpired();
  }

  /** Issues credentials for a role session (the caller has already been authorised). */
  async issue(opts: {
    accountId: string;
    roleArn: string;
    roleName: string;
    roleId: string;
    sessionName: string;
    durationSeconds: number;
    sessionPolicies?: string[];
  }): Promise<Session> {
    this.dropExpired();
    const session: Session = {
      accessKeyId: randomKeyId('ASIA'),
      secretAccessKey: randomBytes(30)
        .toString('base64')
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 40),
      sessionToken: Buffer.from(`local-aws:${randomUUID()}:${randomBytes(24).toString('hex')}`).toString('base64'),
      expiration: new Date(Date.now() + opts.durationSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      accountId: opts.accountId,
      roleArn: opts.roleArn,
      roleName: opts.roleName,
      roleId: opts.roleId,
      sessionName: opts.sessionName,
      sessionPolicies: opts.sessionPolicies && opts.sessionPolicies.length > 0 ? opts.sessionPolicies : undefined,
    };
    this.file.data.sessions[session.accessKeyId] = session;
    await this.file.save();
    return session;
  }

  find(accessKeyId: string): Session | undefined {
    // The key id comes from the request: never let `__proto__` & co. reach the prototype.
    const sessions = this.file.data.sessions;
    return Object.hasOwn(sessions, accessKeyId) ? sessions[accessKeyId] : undefined;
  }

  /** Forget every session of a role (the role was deleted). */
  async revokeRole(roleArn: string): Promise<void> {
    let changed = false;
    for (const [id, s] of Object.entries(this.file.data.sessions)) {
      if (s.roleArn === roleArn) {
        delete this.file.data.sessions[id];
        changed = true;
      }
    }
    if (changed) await this.file.save();
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [id, s] of Object.entries(this.file.data.sessions)) {
      if (Date.parse(s.expiration) <= now) delete this.file.data.sessions[id];
    }
  }
}

export function sessionCaller(s: Session): SessionCaller {
  return {
    kind: 'session',
    accountId: s.accountId,
    accessKeyId: s.accessKeyId,
    arn: `arn:aws:sts::${s.accountId}:assumed-role/${s.roleName}/${s.sessionName}`,
    userId: `${s.roleId}:${s.sessionName}`,
    roleName: s.roleName,
    roleArn: s.roleArn,
    sessionName: s.sessionName,
    expiration: new Date(s.expiration),
    sessionPolicies: s.sessionPolicies,
  };
}
