// Wire protocol of the local Lambda (REST-JSON, docs/local-aws/protocols.md#lambda-routes): routes each
// request by method and path to its operation; anything else is a clear NotImplemented naming the
// operation.
import { notImplemented } from '../core/errors.ts';
import type { AwsRequest, AwsResponse } from '../core/request.ts';
import { safeDecode } from '../core/sigv4.ts';
import type { LambdaBackend, LambdaContext, LambdaHandler } from './context.ts';
import {
  createFunction,
  deleteFunction,
  getFunction,
  getFunctionConfiguration,
  listFunctions,
  updateFunctionCode,
  updateFunctionConfiguration,
} from './functions-api.ts';
import { invoke, invokeAsync } from './invoke.ts';
import {
  deleteLayerVersion,
  getLayerVersion,
  listLayerVersions,
  listLayersOrFind,
  publishLayerVersion,
} from './layers-api.ts';
import {
  addPermission,
  deleteEventInvokeConfig,
  getAccountSettings,
  getEventInvokeConfig,
  getPolicy,
  getRecursionConfig,
  listEventInvokeConfigs,
  putEventInvokeConfig,
  putRecursionConfig,
  removePermission,
  updateEventInvokeConfig,
} from './settings-api.ts';
import { listTags, tagResource, untagResource } from './tags.ts';

interface Route {
  method: string;
  version: string;
  /** Segments after the version; `*` matches one segment. */
  shape: string[];
  op: string;
  handler?: LambdaHandler;
}

const r = (method: string, version: string, shape: string, op: string, handler?: LambdaHandler): Route => ({
  method,
  version,
  shape: shape.split('/').filter(Boolean),
  op,
  handler,
});

const ROUTES: Route[] = [
  r('POST', '2015-03-31', 'functions', 'CreateFunction', createFunction),
  r('GET', '2015-03-31', 'functions', 'ListFunctions', listFunctions),
  r('GET', '2015-03-31', 'functions/*', 'GetFunction', getFunction),
  r('DELETE', '2015-03-31', 'functions/*', 'DeleteFunction', deleteFunction),
  r('GET', '2015-03-31', 'functions/*/configuration', 'GetFunctionConfiguration', getFunctionConfiguration),
  r('PUT', '2015-03-31', 'functions/*/configuration', 'UpdateFunctionConfiguration', updateFunctionConfiguration),
  r('PUT', '2015-03-31', 'functions/*/code', 'UpdateFunctionCode', updateFunctionCode),
  r('POST', '2015-03-31', 'functions/*/invocations', 'Invoke', invoke),
  r('POST', '2014-11-13', 'functions/*/invoke-async', 'InvokeAsync', invokeAsync),
  r('POST', '2015-03-31', 'functions/*/policy', 'AddPermission', addPermission),
  r('GET', '2015-03-31', 'functions/*/policy', 'GetPolicy', getPolicy),
  r('DELETE', '2015-03-31', 'functions/*/policy/*', 'RemovePermission', removePermission),
  r('PUT', '2019-09-25', 'functions/*/event-invoke-config', 'PutFunctionEventInvokeConfig', putEventInvokeConfig),
  r(
    'POST',
    '2019-09-25',
    'functions/*/event-invoke-config',
    'UpdateFunctionEventInvokeConfig',
    updateEventInvokeConfig,
  ),
  r('GET', '2019-09-25', 'functions/*/event-invoke-config', 'GetFunctionEventInvokeConfig', getEventInvokeConfig),
  r(
    'DELETE',
    '2019-09-25',
    'functions/*/event-invoke-config',
    'DeleteFunctionEventInvokeConfig',
    deleteEventInvokeConfig,
  ),
  r(
    'GET',
    '2019-09-25',
    'functions/*/event-invoke-config/list',
    'ListFunctionEventInvokeConfigs',
    listEventInvokeConfigs,
  ),
  r('GET', '2024-08-31', 'functions/*/recursion-config', 'GetFunctionRecursionConfig', getRecursionConfig),
  r('PUT', '2024-08-31', 'functions/*/recursion-config', 'PutFunctionRecursionConfig', putRecursionConfig),
  r('GET', '2016-08-19', 'account-settings', 'GetAccountSettings', getAccountSettings),
  // Tags take an ARN, which may not contain `/`: one segment.
  r('POST', '2017-03-31', 'tags/*', 'TagResource', tagResource),
  r('DELETE', '2017-03-31', 'tags/*', 'UntagResource', untagResource),
  r('GET', '2017-03-31', 'tags/*', 'ListTags', listTags),
  // Known operations the local endpoint does not implement: named in the NotImplemented error.
  r('POST', '2015-03-31', 'functions/*/versions', 'PublishVersion'),
  r('GET', '2015-03-31', 'functions/*/versions', 'ListVersionsByFunction'),
  r('POST', '2015-03-31', 'functions/*/aliases', 'CreateAlias'),
  r('GET', '2015-03-31', 'functions/*/aliases', 'ListAliases'),
  r('GET', '2015-03-31', 'functions/*/aliases/*', 'GetAlias'),
  r('PUT', '2015-03-31', 'functions/*/aliases/*', 'UpdateAlias'),
  r('DELETE', '2015-03-31', 'functions/*/aliases/*', 'DeleteAlias'),
  r('POST', '2015-03-31', 'event-source-mappings', 'CreateEventSourceMapping'),
  r('GET', '2015-03-31', 'event-source-mappings', 'ListEventSourceMappings'),
  r('PUT', '2017-10-31', 'functions/*/concurrency', 'PutFunctionConcurrency'),
  r('DELETE', '2017-10-31', 'functions/*/concurrency', 'DeleteFunctionConcurrency'),
  r('GET', '2019-09-30', 'functions/*/concurrency', 'GetFunctionConcurrency'),
  r('POST', '2021-10-31', 'functions/*/url', 'CreateFunctionUrlConfig'),
  r('GET', '2021-10-31', 'functions/*/url', 'GetFunctionUrlConfig'),
  r('POST', '2015-03-31', 'functions/*/response-streaming-invocations', 'InvokeWithResponseStream'),
  r('GET', '2018-10-31', 'layers', 'ListLayers', listLayersOrFind),
  r('POST', '2018-10-31', 'layers/*/versions', 'PublishLayerVersion', publishLayerVersion),
  r('GET', '2018-10-31', 'layers/*/versions', 'ListLayerVersions', listLayerVersions),
  r('GET', '2018-10-31', 'layers/*/versions/*', 'GetLayerVersion', getLayerVersion),
  r('DELETE', '2018-10-31', 'layers/*/versions/*', 'DeleteLayerVersion', deleteLayerVersion),
  r('POST', '2018-10-31', 'layers/*/versions/*/policy', 'AddLayerVersionPermission'),
  r('GET', '2018-10-31', 'layers/*/versions/*/policy', 'GetLayerVersionPolicy'),
  r('DELETE', '2018-10-31', 'layers/*/versions/*/policy/*', 'RemoveLayerVersionPermission'),
];

/** Path segments, each percent-decoded on its own (an encoded `/` stays inside its segment). */
function splitPath(rawPath: string): string[] {
  return rawPath
    .split('/')
    .filter(Boolean)
    .map((s) => safeDecode(s));
}

function matches(route: Route, segments: string[]): boolean {
  if (segments.length !== route.shape.length) return false;
  return route.shape.every((s, i) => s === '*' || s === segments[i]);
}

export async function handleLambda(req: AwsRequest, backend: LambdaBackend): Promise<AwsResponse> {
  const [version, ...segments] = splitPath(req.rawPath);
  const candidates = ROUTES.filter((route) => route.version === version && matches(route, segments));
  const route = candidates.find((c) => c.method === req.method);
  if (!route) {
    const known = candidates[0];
    throw notImplemented('lambda', known ? `${req.method} ${known.op}` : `${req.method} ${req.path}`);
  }
  if (!route.handler) throw notImplemented('lambda', route.op);
  const ctx: LambdaContext = { req, backend, store: backend.lambda, segments };
  return route.handler(ctx);
}
