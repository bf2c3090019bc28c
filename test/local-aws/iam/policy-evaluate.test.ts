// Unit tests of IAM policy evaluation and validation (pure functions, no server).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  actionMatches,
  arnMatches,
  conditionsMatch,
  evaluatePolicies,
  evaluatePoliciesDetailed,
  principalMatches,
  resourceMatches,
  wildcardMatch,
  type RequestPrincipal,
} from '../../../local-aws/iam/evaluate.ts';
import { parsePolicyDocument, type PolicyDocument, type PolicyStatement } from '../../../local-aws/iam/policy.ts';
import { AwsError } from '../../../local-aws/core/errors.ts';

const ACCT = '111122223333';
const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

describe('wildcards', () => {
  it('* matches any run, ? exactly one character, nothing else is special', () => {
    assert.equal(wildcardMatch('a*c', 'abbbc'), true);
    assert.equal(wildcardMatch('a*c', 'ac'), true);
    assert.equal(wildcardMatch('a?c', 'abc'), true);
    assert.equal(wildcardMatch('a?c', 'ac'), false);
    assert.equal(wildcardMatch('a.c', 'abc'), false);
    assert.equal(wildcardMatch('*x*y*z', 'xaybz'), true);
    assert.equal(wildcardMatch('*x*y*z', 'xaybza'), false);
  });

  it('stays fast on patterns that make regex engines backtrack', () => {
    const started = performance.now();
    assert.equal(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)), false);
    assert.ok(performance.now() - started < 500);
  });

  it('actions compare without case; resources with case, across / and :', () => {
    assert.equal(actionMatches('s3:getobject', 'S3:GetObject'), true);
    assert.equal(actionMatches('logs:Put*', 'logs:PutLogEvents'), true);
    assert.equal(actionMatches('logs:Put*', 'logs:CreateLogGroup'), false);
    assert.equal(actionMatches('*', 'anything:AtAll'), true);
    assert.equal(resourceMatches('arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b/c.jpg'), true);
    assert.equal(resourceMatches('arn:aws:s3:::Bucket/*', 'arn:aws:s3:::bucket/a'), false);
    assert.equal(resourceMatches('arn:aws:logs:*', 'arn:aws:logs:us-east-1:1:log-group:g:log-stream:s'), true);
  });

  it('ArnLike matches the six ARN parts separately', () => {
    assert.equal(arnMatches('arn:aws:s3:::src-*', 'arn:aws:s3:::src-bucket'), true);
    assert.equal(arnMatches('arn:aws:lambda:*:*:function:f', 'arn:aws:lambda:us-east-1:1:function:f'), true);
    // `*` in the region part does not swallow the following parts
    assert.equal(arnMatches('arn:aws:lambda:*:function:f', 'arn:aws:lambda:us-east-1:1:function:f'), false);
    assert.equal(arnMatches('arn:aws:s3:::a', 'arn:aws:s3:::b'), false);
  });
});

describe('evaluatePolicies', () => {
  const req = { action: 'logs:PutLogEvents', resource: `arn:aws:logs:us-east-1:${ACCT}:log-group:g:log-stream:s` };

  it('no statement -> implicit deny; a matching Allow -> allow; a matching Deny wins', () => {
    assert.equal(evaluatePolicies([], req), 'implicit-deny');
    const allow = doc({ Effect: 'Allow', Action: 'logs:*', Resource: '*' });
    assert.equal(evaluatePolicies([allow], req), 'allow');
    const deny = doc({ Effect: 'Deny', Action: 'logs:PutLogEvents', Resource: 'arn:aws:logs:*:*:log-group:g:*' });
    assert.equal(evaluatePolicies([allow, deny], req), 'explicit-deny');
    assert.equal(evaluatePolicies([deny, allow], req), 'explicit-deny');
  });

  it('Allow of another action or resource does not apply', () => {
    assert.equal(
      evaluatePolicies([doc({ Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: '*' })], req),
      'implicit-deny',
    );
    assert.equal(
      evaluatePolicies([doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:logs:*:*:log-group:other:*' })], req),
      'implicit-deny',
    );
  });

  it('NotAction and NotResource apply to everything they do not list', () => {
    const notAction = doc({ Effect: 'Allow', NotAction: ['iam:*', 's3:*'], Resource: '*' });
    assert.equal(evaluatePolicies([notAction], req), 'allow');
    assert.equal(evaluatePolicies([notAction], { action: 'iam:CreateRole', resource: '*' }), 'implicit-deny');
    const notResource = doc({ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:logs:*:*:log-group:g:*' });
    const all = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    assert.equal(evaluatePolicies([all, notResource], req), 'allow');
    assert.equal(evaluatePolicies([all, notResource], { ...req, resource: 'arn:aws:s3:::b' }), 'explicit-deny');
  });

  it('statements with a Principal apply only to a matching request principal', () => {
    const resourcePolicy = doc({
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: `arn:aws:lambda:us-east-1:${ACCT}:function:f`,
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::src' }, StringEquals: { 'aws:SourceAccount': ACCT } },
    });
    const base = { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:us-east-1:${ACCT}:function:f` };
    const s3: RequestPrincipal = { type: 'Service', service: 's3.amazonaws.com' };
    const context = { 'aws:SourceArn': 'arn:aws:s3:::src', 'aws:SourceAccount': ACCT };
    assert.equal(evaluatePolicies([resourcePolicy], { ...base, principal: s3, context }), 'allow');
    assert.equal(
      evaluatePolicies([resourcePolicy], {
        ...base,
        principal: s3,
        context: { ...context, 'aws:SourceArn': 'arn:aws:s3:::other' },
      }),
      'implicit-deny',
    );
    assert.equal(
      evaluatePolicies([resourcePolicy], { ...base, principal: s3, context: { 'aws:SourceArn': 'arn:aws:s3:::src' } }),
      'implicit-deny',
    );
    assert.equal(
      evaluatePolicies([resourcePolicy], {
        ...base,
        principal: { type: 'Service', service: 'sns.amazonaws.com' },
        context,
      }),
      'implicit-deny',
    );
    assert.equal(evaluatePolicies([resourcePolicy], { ...base, context }), 'implicit-deny');
  });

  it('tells a principal named explicitly from one allowed through its account', () => {
    const trust = doc({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' });
    const role: RequestPrincipal = {
      type: 'AWS',
      arn: `arn:aws:sts::${ACCT}:assumed-role/r/s`,
      accountId: ACCT,
      aliases: [`arn:aws:iam::${ACCT}:role/r`],
    };
    const r = evaluatePoliciesDetailed([trust], { action: 'sts:AssumeRole', resource: 'x', principal: role });
    assert.deepEqual(r, { decision: 'allow', allowedBy: 'account' });
    const named = doc({
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${ACCT}:role/r`] },
      Action: 'sts:AssumeRole',
    });
    assert.deepEqual(
      evaluatePoliciesDetailed([named, trust], { action: 'sts:AssumeRole', resource: 'x', principal: role }),
      {
        decision: 'allow',
        allowedBy: 'principal',
      },
    );
    assert.equal(
      evaluatePolicies([trust], {
        action: 'sts:AssumeRole',
        resource: 'x',
        principal: { type: 'AWS', arn: 'arn:aws:iam::999988887777:root', accountId: '999988887777' },
      }),
      'implicit-deny',
    );
  });
});

describe('principalMatches', () => {
  const root: RequestPrincipal = { type: 'AWS', arn: `arn:aws:iam::${ACCT}:root`, accountId: ACCT };
  const lambda: RequestPrincipal = { type: 'Service', service: 'lambda.amazonaws.com' };
  it('"*", account ids, root ARNs, role ARNs, lists and services', () => {
    assert.equal(principalMatches('*', lambda), 'explicit');
    assert.equal(principalMatches({ AWS: '*' }, root), 'explicit');
    assert.equal(principalMatches({ AWS: '*' }, lambda), 'none');
    assert.equal(principalMatches({ AWS: ACCT }, root), 'explicit');
    assert.equal(principalMatches({ AWS: `arn:aws:iam::${ACCT}:root` }, root), 'explicit');
    assert.equal(principalMatches({ AWS: ['arn:aws:iam::999988887777:root', ACCT] }, root), 'explicit');
    assert.equal(principalMatches({ AWS: '999988887777' }, root), 'none');
    assert.equal(principalMatches({ Service: 'lambda.amazonaws.com' }, lambda), 'explicit');
    assert.equal(principalMatches({ Service: ['s3.amazonaws.com'] }, lambda), 'none');
    assert.equal(principalMatches({ Service: 'lambda.amazonaws.com' }, root), 'none');
    assert.equal(
      principalMatches(
        { AWS: `arn:aws:iam::${ACCT}:role/r` },
        { ...root, arn: 'arn:aws:sts::x', aliases: [`arn:aws:iam::${ACCT}:role/r`] },
      ),
      'explicit',
    );
  });
});

describe('conditions', () => {
  it('operators, keys without case, arrays as any-of, negation and IfExists', () => {
    const ctx = { 'aws:SourceArn': 'arn:aws:s3:::src', 'AWS:SourceAccount': ACCT, 'aws:SecureTransport': 'true' };
    assert.equal(conditionsMatch({ StringEquals: { 'aws:sourceaccount': ACCT } }, ctx), true);
    assert.equal(conditionsMatch({ StringEquals: { 'aws:SourceAccount': ['1', ACCT] } }, ctx), true);
    assert.equal(conditionsMatch({ StringNotEquals: { 'aws:SourceAccount': ACCT } }, ctx), false);
    assert.equal(conditionsMatch({ StringLike: { 'aws:SourceArn': 'arn:aws:s3:::s*' } }, ctx), true);
    assert.equal(conditionsMatch({ StringNotLike: { 'aws:SourceArn': 'arn:aws:s3:::x*' } }, ctx), true);
    assert.equal(conditionsMatch({ ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::src' } }, ctx), true);
    assert.equal(conditionsMatch({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:s3:::s*' } }, ctx), false);
    assert.equal(conditionsMatch({ Bool: { 'aws:SecureTransport': false } }, ctx), false);
    assert.equal(conditionsMatch({ Bool: { 'aws:SecureTransport': 'TRUE' } }, ctx), true);
    // all operators and keys must hold
    assert.equal(
      conditionsMatch(
        { StringEquals: { 'aws:SourceAccount': ACCT }, ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::other' } },
        ctx,
      ),
      false,
    );
  });

  it('a missing key fails positive operators, passes negated ones and ...IfExists', () => {
    assert.equal(conditionsMatch({ StringEquals: { 'aws:PrincipalOrgID': 'o-1' } }, {}), false);
    assert.equal(conditionsMatch({ StringNotEquals: { 'aws:PrincipalOrgID': 'o-1' } }, {}), true);
    assert.equal(conditionsMatch({ StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-1' } }, {}), true);
    assert.equal(
      conditionsMatch({ StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-1' } }, { 'aws:PrincipalOrgID': 'o-2' }),
      false,
    );
    assert.equal(conditionsMatch({ Null: { 'aws:PrincipalOrgID': 'true' } }, {}), true);
    assert.equal(conditionsMatch({ Null: { 'aws:PrincipalOrgID': 'false' } }, {}), false);
  });

  it('numeric, date and IP operators', () => {
    assert.equal(conditionsMatch({ NumericLessThan: { 'x:n': '10' } }, { 'x:n': '9' }), true);
    assert.equal(conditionsMatch({ NumericGreaterThanEquals: { 'x:n': 10 } }, { 'x:n': '9' }), false);
    assert.equal(
      conditionsMatch(
        { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
        { 'aws:CurrentTime': '2029-06-01T00:00:00Z' },
      ),
      true,
    );
    assert.equal(
      conditionsMatch({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }, { 'aws:SourceIp': '127.0.0.1' }),
      true,
    );
    assert.equal(
      conditionsMatch({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '127.0.0.1' }),
      true,
    );
  });
});

describe('parsePolicyDocument', () => {
  const rejects = (text: string, kind: 'identity' | 'trust' | 'resource', message: string) =>
    assert.throws(
      () => parsePolicyDocument(text, kind),
      (e: unknown) => e instanceof AwsError && e.code === 'MalformedPolicyDocument' && e.message === message,
    );
  const stmt = (s: object) => JSON.stringify({ Version: '2012-10-17', Statement: [s] });

  it('accepts identity and trust policies in their usual forms', () => {
    parsePolicyDocument(stmt({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }), 'identity');
    parsePolicyDocument(
      JSON.stringify({ Version: '2008-10-17', Statement: { Effect: 'Deny', NotAction: ['iam:*'], NotResource: '*' } }),
      'identity',
    );
    parsePolicyDocument(
      stmt({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      'trust',
    );
    parsePolicyDocument(
      stmt({
        Sid: 'a',
        Effect: 'Allow',
        Principal: '*',
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'x' } },
      }),
      'trust',
    );
  });

  it("rejects what IAM rejects, with IAM's messages", () => {
    rejects('{not json', 'identity', 'This policy contains invalid Json');
    rejects('[1]', 'identity', 'This policy contains invalid Json');
    rejects(JSON.stringify({ Version: '2020-01-01', Statement: [] }), 'identity', 'Syntax errors in policy.');
    rejects(JSON.stringify({ Version: '2012-10-17' }), 'identity', 'Syntax errors in policy.');
    rejects(stmt({ Effect: 'Maybe', Action: '*', Resource: '*' }), 'identity', 'Syntax errors in policy.');
    rejects(stmt({ Effect: 'Allow', Resource: '*' }), 'identity', 'Policy statement must contain actions.');
    rejects(stmt({ Effect: 'Allow', Action: 's3:*' }), 'identity', 'Policy statement must contain resources.');
    rejects(
      stmt({ Effect: 'Allow', Action: 's3:*', Resource: '*', Principal: '*' }),
      'identity',
      'Policy document should not specify a principal.',
    );
    rejects(stmt({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'trust', 'Missing required field Principal');
    rejects(
      stmt({ Effect: 'Allow', Action: 'GetObject', Resource: '*' }),
      'identity',
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    );
    rejects(
      stmt({ Effect: 'Allow', Action: 's3:*', Resource: 'bucket' }),
      'identity',
      'Resource bucket must be in ARN format or "*".',
    );
    rejects(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'x', Effect: 'Allow', Action: '*', Resource: '*' },
          { Sid: 'x', Effect: 'Deny', Action: '*', Resource: '*' },
        ],
      }),
      'identity',
      'Statement IDs (SID) in a single policy must be unique.',
    );
  });
});
