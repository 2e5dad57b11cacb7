/**
 * What one send asks of Meta and when the sender refuses it up front: the Cloud API message bodies for text and
 * template messages (recipient without its leading +), the settings a send needs, and a full queue.
 */
import type { SendTemplateInput, SendTextInput } from '../../../shared/domain/meta';
import { KreoError } from '../../../shared/errors';
import type { Settings } from '../../../shared/settings-schema';

export interface OutboundMessage {
  /** The recipient as Meta takes it (digits, no +). */
  to: string;
  /** The body of POST /<phone-number-id>/messages. */
  payload: Record<string, unknown>;
}

export function textMessage(input: SendTextInput): OutboundMessage {
  return message(input.to, 'text', {
    body: input.text,
    ...(input.previewUrl !== undefined ? { preview_url: input.previewUrl } : {}),
  });
}

export function templateMessage(input: SendTemplateInput): OutboundMessage {
  return message(input.to, 'template', {
    name: input.name,
    language: { code: input.language },
    ...(input.components ? { components: input.components } : {}),
  });
}

function message(
  recipient: string,
  type: 'text' | 'template',
  body: Record<string, unknown>,
): OutboundMessage {
  const to = recipient.replace(/^\+/, '');
  return {
    to,
    payload: { messaging_product: 'whatsapp', recipient_type: 'individual', to, type, [type]: body },
  };
}

/** META_NOT_CONFIGURED when the phone number id or the access token is missing; null when sending can start. */
export function missingSendSettings(s: Settings): KreoError | null {
  const missing = [
    ...(s.meta.phoneNumberId ? [] : ['meta.phoneNumberId']),
    ...(s.meta.accessToken ? [] : ['meta.accessToken']),
  ];
  if (!missing.length) return null;
  return new KreoError(
    'META_NOT_CONFIGURED',
    `Sending needs ${missing.join(' and ')}.`,
    `Set ${missing.join(' and ')} in Settings → Meta or with \`kreo config set ${missing[0]} …\`.`,
    { missing },
  );
}

export function queueFullError(queueDepth: number, maxQueueSize: number): KreoError {
  return new KreoError(
    'SEND_QUEUE_FULL',
    `The outbound queue is full (${queueDepth} of rateLimit.maxQueueSize=${maxQueueSize} messages waiting); the message was not queued.`,
    'Wait for the queue to drain (`kreo ratelimit status`), or raise rateLimit.maxQueueSize or rateLimit.messagesPerSecond.',
    { queueDepth, maxQueueSize },
  );
}
