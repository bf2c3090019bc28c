// What every IAM operation handler gets, and the checks they share.
import type { LocalAwsConfig } from '../config.ts';
import { AwsError } from '../core/errors.ts';
import type { AwsRequest } from '../core/request.ts';
import type { QueryParams } from '../protocols/query.ts';
import type { XmlNode } from '../protocols/xml.ts';
import type { Authorizer } from './authorize.ts';
import type { IamStore } from './store.ts';
import { checkLength } from './validate.ts';

/** What IAM's handlers use of the endpoint (Backend is one). */
export interface IamBackend extends Pick<Authorizer, 'authorize'> {
  readonly config: LocalAwsConfig;
  readonly iam: IamStore;
}

export interface IamContext {
  req: AwsRequest;
  params: QueryParams;
  backend: IamBackend;
}

/** Returns the `<ActionResult>` content, or undefined for operations without output. */
export type IamHandler = (ctx: IamContext) => Promise<XmlNode | undefined>;

/** Authorises `iam:<action>` on a resource for the request's caller. */
export function allow(ctx: IamContext, resource: string): void {
  ctx.backend.authorize(ctx.req, `iam:${ctx.params.action}`, resource);
}

/** `arn:…` in the shape IAM accepts, else InvalidInput "ARN … is not valid." */
export function checkPolicyArn(arn: string): void {
  checkLength(arn, 'policyArn', 20, 2048);
  if (!/^arn:aws[\w-]*:iam::(\d{12}|aws):policy\/\S*$/.test(arn))
    throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`, 400);
}
