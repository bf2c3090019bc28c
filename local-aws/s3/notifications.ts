// Bucket notification configuration (PUT/GET ?notification): parsing and validation of the XML,
// the stored shape, its XML rendering, and which destinations an object event goes to.
import { randomUUID } from 'node:crypto';
import { AwsError } from '../core/errors.ts';
import { malformedXml, type ParsedXml, type ParsedXmlValue, type XmlNode } from '../protocols/xml.ts';
import { child, children, textOf } from './xml-input.ts';

export interface FilterRule {
  name: 'Prefix' | 'Suffix';
  value: string;
}

export interface NotificationTarget {
  id: string;
  arn: string;
  events: string[];
  filter: FilterRule[];
}

export interface NotificationConfig {
  topics: NotificationTarget[];
  queues: NotificationTarget[];
  lambdas: NotificationTarget[];
  eventBridge: boolean;
}

export const EMPTY_NOTIFICATION: NotificationConfig = { topics: [], queues: [], lambdas: [], eventBridge: false };

const EVENTS: ReadonlySet<string> = new Set([
  's3:ReducedRedundancyLostObject',
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationNotTracked',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectAcl:Put',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
]);

const ARN = /^arn:aws[a-z-]*:([a-z0-9-]+):[a-z0-9-]*:(\d{12})?:(.+)$/;

function invalidArgument(message: string, name: string, value: string): AwsError {
  return new AwsError('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });
}

/** Kinds of destination: XML element, its ARN element, the service the ARN must name. */
const KINDS = [
  { list: 'topics', element: 'TopicConfiguration', arnElement: 'Topic', service: 'sns' },
  { list: 'queues', element: 'QueueConfiguration', arnElement: 'Queue', service: 'sqs' },
  { list: 'lambdas', element: 'CloudFunctionConfiguration', arnElement: 'CloudFunction', service: 'lambda' },
] as const;

export const NOTIFICATION_ARRAY_TAGS = [...KINDS.map((k) => k.element), 'Event', 'FilterRule'];

function parseTarget(node: ParsedXmlValue, arnElement: string, service: string): NotificationTarget {
  const arn = textOf(child(node, arnElement)).trim();
  const events = children(node, 'Event').map((e) => textOf(e).trim());
  if (!arn || events.length === 0) throw malformedXml();
  const m = ARN.exec(arn);
  if (!m || m[1] !== service || (service === 'lambda' && !/^function:[^:]+(:[^:]+)?$/.test(m[3]!)))
    throw invalidArgument('The ARN could not be parsed', arnElement, arn);
  for (const event of events) {
    if (!EVENTS.has(event)) throw invalidArgument('The event is not supported for notifications', 'Event', event);
  }
  const filter: FilterRule[] = [];
  for (const rule of children(child(child(node, 'Filter'), 'S3Key'), 'FilterRule')) {
    const rawName = textOf(child(rule, 'Name')).trim();
    const lower = rawName.toLowerCase();
    if (lower !== 'prefix' && lower !== 'suffix')
      throw invalidArgument('filter rule name must be either prefix or suffix', 'FilterRule.Name', rawName);
    const name = lower === 'prefix' ? 'Prefix' : 'Suffix';
    if (filter.some((r) => r.name === name))
      throw invalidArgument(`Cannot specify more than one ${lower} rule in a filter.`, 'FilterRule.Name', rawName);
    filter.push({ name, value: textOf(child(rule, 'Value')) });
  }
  const id = textOf(child(node, 'Id')).trim() || Buffer.from(randomUUID()).toString('base64');
  return { id, arn, events: [...new Set(events)], filter };
}

export function parseNotification(xml: ParsedXml): NotificationConfig {
  const root = xml['NotificationConfiguration'];
  if (root === undefined) throw malformedXml();
  const config: NotificationConfig = { topics: [], queues: [], lambdas: [], eventBridge: false };
  for (const kind of KINDS) {
    for (const node of children(root, kind.element))
      config[kind.list].push(parseTarget(node, kind.arnElement, kind.service));
  }
  config.eventBridge = child(root, 'EventBridgeConfiguration') !== undefined;
  const ids = [...config.topics, ...config.queues, ...config.lambdas].map((t) => t.id);
  if (new Set(ids).size !== ids.length)
    throw invalidArgument(
      'Same ID used for multiple configurations',
      'Id',
      ids.find((id, i) => ids.indexOf(id) !== i)!,
    );
  return config;
}

function renderTarget(t: NotificationTarget, arnElement: string): XmlNode {
  const node: XmlNode = { Id: t.id, [arnElement]: t.arn, Event: t.events };
  if (t.filter.length > 0)
    node.Filter = { S3Key: { FilterRule: t.filter.map((r) => ({ Name: r.name, Value: r.value })) } };
  return node;
}

export function renderNotification(config: NotificationConfig): XmlNode {
  const out: XmlNode = {};
  for (const kind of KINDS) {
    const list = config[kind.list];
    if (list.length > 0) out[kind.element] = list.map((t) => renderTarget(t, kind.arnElement));
  }
  if (config.eventBridge) out.EventBridgeConfiguration = {};
  return out;
}

/** Does a configured target want this event (`ObjectCreated:Put`) for this key? */
export function targetMatches(t: NotificationTarget, eventName: string, key: string): boolean {
  const family = eventName.slice(0, eventName.indexOf(':'));
  if (!t.events.includes(`s3:${eventName}`) && !t.events.includes(`s3:${family}:*`)) return false;
  return t.filter.every((r) => (r.name === 'Prefix' ? key.startsWith(r.value) : key.endsWith(r.value)));
}
