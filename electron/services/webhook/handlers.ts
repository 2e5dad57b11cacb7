/** The webhook's request handlers for the contract: events:list, events:get, events:replay, events:trigger, events:stats. */
import type { WebhookHandlers, WebhookPipeline } from './pipeline';

export function webhookHandlers(
  pipeline: Pick<WebhookPipeline, 'list' | 'get' | 'replay' | 'trigger' | 'stats'>,
): WebhookHandlers {
  return {
    'events:list': async (input) => ({ events: pipeline.list(input) }),
    'events:get': async ({ id }) => pipeline.get(id),
    'events:replay': async ({ id, body }) => pipeline.replay(id, body),
    'events:trigger': async ({ kind, viaTunnel }) => pipeline.trigger(kind, viaTunnel ?? false),
    'events:stats': async () => pipeline.stats(),
  };
}
