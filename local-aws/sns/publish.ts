// Publish: checks the message as SNS does (subject, size, attributes, MessageStructure=json), then
// hands it to every subscriber (delivery.ts) before answering with its MessageId.
import { authorizedTopic, type SnsHandler } from './context.ts';
import { newMessageId } from './delivery.ts';
import {
  checkSubject,
  invalidParameter,
  MAX_MESSAGE_BYTES,
  parseMessageAttributes,
  publishSize,
  validationError,
} from './input.ts';

/** MessageStructure=json: an object of strings per protocol, with a `default` one. */
function perProtocol(message: string): { [protocol: string]: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  const out = Object.create(null) as { [protocol: string]: string };
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    // Keys whose values are not strings are ignored, as on AWS.
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  }
  if (out.default === undefined) throw invalidParameter('Message Structure - No default entry in JSON message body');
  return out;
}

export const PUBLISH_HANDLERS: { [action: string]: SnsHandler } = {
  async Publish(ctx) {
    const { params } = ctx;
    const subject = params.get('Subject');
    if (subject !== undefined) checkSubject(subject);
    const message = params.get('Message');
    if (message === undefined) throw validationError('message');
    if (message === '') throw invalidParameter('Empty message');
    const attributes = parseMessageAttributes(params);
    if (publishSize(message, attributes) > MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
    if (params.get('PhoneNumber') !== undefined)
      throw invalidParameter(
        'PhoneNumber Reason: SMS is not supported by the local AWS endpoint (it delivers to Lambda subscribers only)',
      );
    const param =
      params.get('TopicArn') !== undefined
        ? 'TopicArn'
        : params.get('TargetArn') !== undefined
          ? 'TargetArn'
          : undefined;
    if (!param) throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
    if (params.get('MessageDeduplicationId') !== undefined)
      throw invalidParameter(
        'MessageDeduplicationId Reason: ' +
          'The request includes MessageDeduplicationId parameter that is not valid for this topic type',
      );
    const structure = params.get('MessageStructure');
    if (structure !== undefined && structure !== 'json') throw invalidParameter('MessageStructure');
    const protocols = structure === 'json' ? perProtocol(message) : undefined;
    const topic = authorizedTopic(ctx, 'Publish', param);
    const messageId = newMessageId();
    await ctx.delivery.deliver({
      messageId,
      topic,
      subject,
      message,
      perProtocol: protocols,
      attributes,
      timestamp: new Date().toISOString(),
    });
    return { MessageId: messageId };
  },
};
