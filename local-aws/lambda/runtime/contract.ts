// The contract between Lambda's control plane (../service.ts, ../store.ts: API, validation, state,
// permissions, async queue) and its execution engine (this folder: environments as Node child
// processes fed through the Lambda Runtime API); and the few things the engine asks of the rest of
// the endpoint (EngineServices, wired in backend.ts): it reaches no other service directly.

/** Everything the engine needs to run one function version. */
export interface FunctionSpec {
  functionName: string;
  /** Unqualified ARN: arn:aws:lambda:<region>:<acct>:function:<name> */
  functionArn: string;
  region: string;
  accountId: string;
  /** e.g. nodejs22.x */
  runtime: string;
  /** e.g. index.handler */
  handler: string;
  /** Folder holding the unpacked zip. The engine must not write into it. */
  codeDir: string;
  /** The function's layers extracted in order (its /opt), when it has any. Read-only, like codeDir. */
  optDir?: string;
  codeSha256: string;
  memorySize: number;
  /** seconds */
  timeout: number;
  /** The function's own Environment.Variables. */
  environment: Record<string, string>;
  architecture: 'x86_64' | 'arm64';
  roleArn: string;
  /** `/aws/lambda/<name>` unless LoggingConfig says otherwise. */
  logGroup: string;
  logFormat: 'Text' | 'JSON';
  /** LoggingConfig.ApplicationLogLevel (JSON format only): the runtime drops console calls below it. */
  applicationLogLevel?: string;
  /** LoggingConfig.SystemLogLevel (JSON format only): WARN drops the platform's INFO records. */
  systemLogLevel?: string;
  /** Changes whenever code or configuration changes: environments of an older revision are retired. */
  revisionId: string;
  /** /tmp size in MB (EphemeralStorage). */
  ephemeralStorageMb: number;
}

export interface InvokeRequest {
  spec: FunctionSpec;
  /** The event bytes exactly as the invoker sent them (already checked to be JSON). */
  payload: Buffer;
  requestId: string;
  /** ARN used to invoke (may carry a qualifier). */
  invokedFunctionArn: string;
  /** Decoded client context JSON (synchronous invokes only). */
  clientContext?: string;
  /** X-Ray style trace header to pass as Lambda-Runtime-Trace-Id. */
  traceId?: string;
  /**
   * A synchronous Invoke: when every environment the concurrency limit allows is busy, fail at once
   * with 429 TooManyRequestsException as AWS does. Otherwise (the async queue) wait for a free one.
   */
  throttle?: boolean;
}

export interface InvokeResult {
  requestId: string;
  /** The function's response, or AWS's error JSON ({errorType, errorMessage, trace}) when it failed. */
  payload: Buffer;
  /** Set when the function failed (handler error, timeout, crash, out of memory, init error). */
  functionError?: 'Unhandled';
  /** e.g. Error, Sandbox.Timedout, Runtime.ExitError, Runtime.OutOfMemory, Runtime.ImportModuleError */
  errorType?: string;
  /** The invocation's log lines (START…REPORT), for X-Amz-Log-Result (last 4 KB, base64, done by the caller). */
  logLines: string[];
  durationMs: number;
  billedDurationMs: number;
  maxMemoryUsedMb: number;
  /** Present on a cold start. */
  initDurationMs?: number;
  /** The log stream (one per environment) the invocation wrote to. */
  logStreamName: string;
}

export interface ExecutionEngine {
  /** Runs one invocation in a warm environment, or a new one (up to the concurrency limit; beyond it, waits). */
  invoke(req: InvokeRequest): Promise<InvokeResult>;
  /** Stops every environment of a function (deleted, or its code/config changed). */
  retire(functionArn: string): Promise<void>;
  /** Stops everything (server shutdown). */
  close(): Promise<void>;
}

/** The function's role as Lambda assumed it: the credentials the function gets, and whose they are. */
export interface RoleSession {
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
}

/** One CloudWatch Logs event. */
export interface LogEvent {
  /** epoch ms */
  timestamp: number;
  message: string;
}

/** What the engine needs from IAM, STS and CloudWatch Logs. */
export interface EngineServices {
  /** Does the role exist? (A deleted role fails an invocation at once.) */
  roleExists(roleArn: string): boolean;
  /** Assumes the role as lambda.amazonaws.com; undefined when it is missing or does not trust Lambda. */
  assumeRole(roleArn: string, sessionName: string, durationSeconds: number): Promise<RoleSession | undefined>;
  /** False once the session is revoked (its role deleted or recreated). */
  sessionValid(session: RoleSession): boolean;
  /** May the session do `action` (logs:PutLogEvents, ...) on `resource`? Lambda writes logs as the role. */
  allowed(session: RoleSession, action: string, resource: string): boolean;
  logs: {
    hasLogGroup(region: string, group: string): boolean;
    ensureLogGroup(region: string, group: string): Promise<void>;
    ensureLogStream(region: string, group: string, stream: string): Promise<void>;
    putLogEvents(region: string, group: string, stream: string, events: LogEvent[]): Promise<void>;
  };
}
