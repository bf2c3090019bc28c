// SNS -> Lambda: a topic's Lambda subscribers are invoked asynchronously as sns.amazonaws.com for the
// topic. Lambda refuses a function that does not exist (404) or whose policy does not let SNS invoke
// it for this topic (403): SNS counts and logs those as failed deliveries.
import type { ServiceInvoker } from '../lambda/service-invoke.ts';
import type { LambdaSubscribers, SubscriberAnswer, SubscriberCall } from '../sns/delivery.ts';

export function lambdaSubscribers(lambda: ServiceInvoker): LambdaSubscribers {
  /** The function to invoke, or Lambda's refusal. */
  const check = (call: SubscriberCall): string | Extract<SubscriberAnswer, { refused: string }> => {
    const arn = lambda.find(call.endpoint, call.region);
    if (!arn) return { refused: `ResourceNotFoundException: Function not found: ${call.endpoint}`, statusCode: 404 };
    const source = { service: call.principal, sourceArn: call.sourceArn, sourceAccount: call.sourceAccount };
    if (!lambda.allows(arn, source))
      return {
        refused:
          `AccessDeniedException: the function's resource policy does not allow ${call.principal} to invoke it ` +
          `for ${call.sourceArn} (lambda add-permission --principal ${call.principal} --source-arn ${call.sourceArn})`,
        statusCode: 403,
      };
    return arn;
  };
  const invocation = (arn: string, call: SubscriberCall) => ({
    functionArn: arn,
    invokedArn: call.endpoint,
    payload: call.payload,
    source: { service: call.principal, sourceArn: call.sourceArn, sourceAccount: call.sourceAccount },
  });
  return {
    async invokeAsync(call) {
      const arn = check(call);
      if (typeof arn !== 'string') return arn;
      return { requestId: await lambda.invokeAsync(invocation(arn, call)) };
    },
    invokeAsyncSync(call) {
      const arn = check(call);
      if (typeof arn !== 'string') return arn;
      return { requestId: lambda.invokeAsyncSync(invocation(arn, call)) };
    },
  };
}
