// Lambda's response shapes (docs/local-aws/protocols.md#function-configuration, #event-invoke-config):
// FunctionConfiguration, EventInvokeConfig.
import type { JsonObject } from '../protocols/json.ts';
import type { EventInvokeConfig, FunctionRecord } from './model.ts';
import { runtimeVersion } from './runtime/naming.ts';

/** FunctionConfiguration; ListFunctions leaves out the state fields and the runtime version. */
export function configurationJson(fn: FunctionRecord, opts: { list?: boolean } = {}): JsonObject {
  const c = fn.config;
  const out: JsonObject = {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    Runtime: c.runtime,
    Role: c.role,
    Handler: c.handler,
    CodeSize: c.codeSize,
    Description: c.description,
    Timeout: c.timeout,
    MemorySize: c.memorySize,
    LastModified: fn.lastModified,
    CodeSha256: c.codeSha256,
    Version: '$LATEST',
  };
  if (c.environment && Object.keys(c.environment).length > 0) out.Environment = { Variables: { ...c.environment } };
  if (c.deadLetterTargetArn) out.DeadLetterConfig = { TargetArn: c.deadLetterTargetArn };
  out.TracingConfig = { Mode: c.tracingMode };
  if (c.layers?.length) out.Layers = c.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize }));
  out.RevisionId = fn.revisionId;
  if (!opts.list) {
    out.State = fn.state;
    if (fn.stateReason !== undefined) out.StateReason = fn.stateReason;
    if (fn.stateReasonCode !== undefined) out.StateReasonCode = fn.stateReasonCode;
    if (fn.lastUpdateStatus !== undefined) out.LastUpdateStatus = fn.lastUpdateStatus;
    if (fn.lastUpdateStatusReason !== undefined) out.LastUpdateStatusReason = fn.lastUpdateStatusReason;
    if (fn.lastUpdateStatusReasonCode !== undefined) out.LastUpdateStatusReasonCode = fn.lastUpdateStatusReasonCode;
  }
  out.PackageType = 'Zip';
  out.Architectures = [c.architecture];
  out.EphemeralStorage = { Size: c.ephemeralStorage };
  out.SnapStart = { ApplyOn: 'None', OptimizationStatus: 'Off' };
  if (!opts.list) out.RuntimeVersionConfig = { RuntimeVersionArn: runtimeVersion(fn.region)[1] };
  const logging: JsonObject = { LogFormat: c.logFormat, LogGroup: c.logGroup };
  if (c.applicationLogLevel) logging.ApplicationLogLevel = c.applicationLogLevel;
  if (c.systemLogLevel) logging.SystemLogLevel = c.systemLogLevel;
  out.LoggingConfig = logging;
  return out;
}

export function eventInvokeConfigJson(fn: FunctionRecord, cfg: EventInvokeConfig): JsonObject {
  const out: JsonObject = { LastModified: cfg.lastModified, FunctionArn: `${fn.arn}:$LATEST` };
  if (cfg.maximumRetryAttempts !== undefined) out.MaximumRetryAttempts = cfg.maximumRetryAttempts;
  if (cfg.maximumEventAgeInSeconds !== undefined) out.MaximumEventAgeInSeconds = cfg.maximumEventAgeInSeconds;
  const onSuccess: JsonObject = {};
  const onFailure: JsonObject = {};
  if (cfg.destinations.onSuccess) onSuccess.Destination = cfg.destinations.onSuccess;
  if (cfg.destinations.onFailure) onFailure.Destination = cfg.destinations.onFailure;
  out.DestinationConfig = { OnSuccess: onSuccess, OnFailure: onFailure };
  return out;
}
