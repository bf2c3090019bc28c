// Function resource policies (docs/local-aws/protocols.md#function-policies) and who may call what
// (#iam-policy-evaluation): the caller's identity policies and the function's policy together, an
// explicit deny in either winning.
import type { RequestPrincipal } from '../iam/evaluate.ts';
import type { PolicyDocument } from '../iam/policy.ts';
import { resourcePolicyDecision, serviceAllowed, type ResourcePolicyDecision } from '../iam/resource-policy.ts';
import { invalidParameter, type LambdaInput } from './input.ts';
import type { FunctionRecord, PolicyStatementJson } from './model.ts';

export const MAX_POLICY_BYTES = 20480;
const STATEMENT_ID = /^([a-zA-Z0-9-_.]+)$/;
const ACTION = /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/;

export function policyDocument(statements: PolicyStatementJson[]): PolicyDocument {
  return { Version: '2012-10-17', Id: 'default', Statement: statements };
}

export function policyText(statements: PolicyStatementJson[]): string {
  return JSON.stringify(policyDocument(statements));
}

function principalSpec(principal: string): PolicyStatementJson['Principal'] {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (/^arn:aws[a-zA-Z-]*:(iam|sts)::\d{12}:[\w+=,.@\-/:]+$/.test(principal)) return { AWS: principal };
  if (/^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazon\.com|aws\.internal)$/.test(principal))
    return { Service: principal };
  throw invalidParameter('The provided principal was invalid. Please check the principal and try again.');
}

/** The statement AddPermission adds, built from its request body. */
export function statementFromInput(input: LambdaInput, resource: string): PolicyStatementJson {
  const sid = input.requiredStr('StatementId', {
    min: 1,
    max: 100,
    pattern: STATEMENT_ID,
    patternText: '([a-zA-Z0-9-_.]+)',
  });
  const action = input.requiredStr('Action', { pattern: ACTION, patternText: '(lambda:[*]|lambda:[a-zA-Z]+|[*])' });
  const principal = input.requiredStr('Principal', { pattern: /^[^\s]+$/, patternText: '[^\\s]+' });
  const sourceArn = input.str('SourceArn', {
    pattern: /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/,
  });
  const sourceAccount = input.str('SourceAccount', { max: 12, pattern: /^\d{12}$/ });
  const orgId = input.str('PrincipalOrgID', { min: 12, max: 34, pattern: /^o-[a-z0-9]{10,32}$/ });
  const token = input.str('EventSourceToken', { min: 0, max: 256 });
  const urlAuth = input.str('FunctionUrlAuthType');
  if (urlAuth !== undefined && urlAuth !== 'NONE' && urlAuth !== 'AWS_IAM')
    throw invalidParameter(
      `Value ${urlAuth} at 'functionUrlAuthType' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [NONE, AWS_IAM]',
    );
  const statement: PolicyStatementJson = {
    Sid: sid,
    Effect: 'Allow',
    Principal: principalSpec(principal),
    Action: action,
    Resource: resource,
  };
  const condition: Record<string, Record<string, string>> = {};
  const equals: Record<string, string> = {};
  if (sourceAccount !== undefined) equals['AWS:SourceAccount'] = sourceAccount;
  if (orgId !== undefined) equals['aws:PrincipalOrgID'] = orgId;
  if (token !== undefined) equals['lambda:EventSourceToken'] = token;
  if (urlAuth !== undefined) equals['lambda:FunctionUrlAuthType'] = urlAuth;
  if (Object.keys(equals).length > 0) condition.StringEquals = equals;
  if (sourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': sourceArn };
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return statement;
}

/** The function's policy as a document; none while it has no statements. */
function functionPolicy(fn: FunctionRecord): PolicyDocument | undefined {
  return fn.policy.length > 0 ? policyDocument(fn.policy) : undefined;
}

/** The function policy's verdict for one principal and action. */
export function functionPolicyDecision(
  fn: FunctionRecord,
  principal: RequestPrincipal,
  action: string,
  resource: string,
): ResourcePolicyDecision {
  return resourcePolicyDecision(functionPolicy(fn), principal, action, resource);
}

/** May an AWS service (S3, SNS) invoke the function for this source? */
export function serviceMayInvoke(
  fn: FunctionRecord,
  service: string,
  sourceArn: string,
  sourceAccount: string,
): boolean {
  const context = { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount };
  return serviceAllowed(functionPolicy(fn), service, 'lambda:InvokeFunction', fn.arn, context);
}
