/**
 * The Graph API calls the panel makes, typed: app subscriptions, WABA subscribed apps (and their callback
 * override), phone number webhook configuration, token debugging, phone number details and message sends.
 */
import { z } from 'zod';
import type { GraphClient } from './graph-client';

export const WHATSAPP_OBJECT = 'whatsapp_business_account';

const successSchema = z.object({ success: z.boolean() }).loose();

const subscriptionSchema = z
  .object({
    object: z.string(),
    callback_url: z.string().optional().default(''),
    active: z.boolean().optional(),
    fields: z
      .array(z.union([z.string(), z.object({ name: z.string(), version: z.string().optional() }).loose()]))
      .optional()
      .default([]),
  })
  .loose();
const subscriptionsSchema = z.object({ data: z.array(subscriptionSchema) }).loose();

export interface AppSubscription {
  object: string;
  callbackUrl: string;
  active: boolean;
  fields: string[];
}

const subscribedAppSchema = z
  .object({
    whatsapp_business_api_data: z
      .object({ id: z.string(), name: z.string().optional(), link: z.string().optional() })
      .loose(),
    override_callback_uri: z.string().optional(),
  })
  .loose();
const subscribedAppsSchema = z.object({ data: z.array(subscribedAppSchema) }).loose();

export interface SubscribedApp {
  appId: string;
  name: string | null;
  overrideCallbackUri: string | null;
}

export const phoneNumberSchema = z
  .object({
    id: z.string(),
    display_phone_number: z.string().optional(),
    verified_name: z.string().optional(),
    quality_rating: z.string().optional(),
    throughput: z.object({ level: z.string().optional() }).loose().optional(),
    code_verification_status: z.string().optional(),
    name_status: z.string().optional(),
    messaging_limit_tier: z.string().optional(),
    webhook_configuration: z
      .object({
        phone_number: z.string().optional(),
        whatsapp_business_account: z.string().optional(),
        application: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type PhoneNumberInfo = z.infer<typeof phoneNumberSchema>;

export const debugTokenSchema = z.object({
  data: z
    .object({
      app_id: z.string().optional(),
      type: z.string().optional(),
      application: z.string().optional(),
      /** Unix seconds; 0 means it never expires. */
      expires_at: z.number().optional(),
      data_access_expires_at: z.number().optional(),
      is_valid: z.boolean(),
      scopes: z.array(z.string()).optional().default([]),
      granular_scopes: z
        .array(z.object({ scope: z.string(), target_ids: z.array(z.string()).optional() }).loose())
        .optional(),
      error: z
        .object({
          code: z.number().optional(),
          message: z.string().optional(),
          subcode: z.number().optional(),
        })
        .loose()
        .optional(),
    })
    .loose(),
});
export type TokenDebug = z.infer<typeof debugTokenSchema>['data'];

const sendAnswerSchema = z
  .object({
    messaging_product: z.string().optional(),
    contacts: z
      .array(z.object({ input: z.string().optional(), wa_id: z.string().optional() }).loose())
      .optional(),
    messages: z.array(z.object({ id: z.string(), message_status: z.string().optional() }).loose()).min(1),
  })
  .loose();
export type SendAnswer = z.infer<typeof sendAnswerSchema>;

export const PHONE_FIELDS =
  'display_phone_number,verified_name,quality_rating,throughput,code_verification_status,name_status,messaging_limit_tier,webhook_configuration';

export class GraphApi {
  constructor(readonly client: GraphClient) {}

  async listAppSubscriptions(appId: string, appToken: string): Promise<AppSubscription[]> {
    const res = await this.client.request({
      method: 'GET',
      path: `/${appId}/subscriptions`,
      token: appToken,
      schema: subscriptionsSchema,
    });
    return res.data.map((s) => ({
      object: s.object,
      callbackUrl: s.callback_url,
      active: s.active ?? true,
      fields: s.fields.map((f) => (typeof f === 'string' ? f : f.name)),
    }));
  }

  /** The app-level WhatsApp subscription, or null. */
  async getWhatsAppSubscription(appId: string, appToken: string): Promise<AppSubscription | null> {
    const subs = await this.listAppSubscriptions(appId, appToken);
    return subs.find((s) => s.object === WHATSAPP_OBJECT) ?? null;
  }

  /** Meta runs the verification handshake against `callbackUrl` before it answers. */
  async subscribeApp(
    appId: string,
    appToken: string,
    sub: { callbackUrl: string; verifyToken: string; fields: string[] },
  ): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `/${appId}/subscriptions`,
      token: appToken,
      body: {
        object: WHATSAPP_OBJECT,
        callback_url: sub.callbackUrl,
        verify_token: sub.verifyToken,
        fields: sub.fields.join(','),
        include_values: true,
      },
      schema: successSchema,
      idempotent: true,
      // Meta's handshake can take up to ~6 s on top of the call itself.
      timeoutMs: 30_000,
    });
  }

  /** Removes the app's WhatsApp subscription, or only `fields` of it. */
  async deleteAppSubscription(appId: string, appToken: string, fields?: string[]): Promise<void> {
    await this.client.request({
      method: 'DELETE',
      path: `/${appId}/subscriptions`,
      query: { object: WHATSAPP_OBJECT, fields: fields?.length ? fields.join(',') : undefined },
      token: appToken,
      schema: successSchema,
    });
  }

  async listSubscribedApps(wabaId: string, token: string): Promise<SubscribedApp[]> {
    const res = await this.client.request({
      method: 'GET',
      path: `/${wabaId}/subscribed_apps`,
      token,
      schema: subscribedAppsSchema,
    });
    return res.data.map((a) => ({
      appId: a.whatsapp_business_api_data.id,
      name: a.whatsapp_business_api_data.name ?? null,
      overrideCallbackUri: a.override_callback_uri || null,
    }));
  }

  /**
   * Subscribes the token's app to the WABA. With an override, Meta verifies it first; without one, an existing
   * override is removed.
   */
  async subscribeWaba(
    wabaId: string,
    token: string,
    override?: { callbackUrl: string; verifyToken: string },
  ): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `/${wabaId}/subscribed_apps`,
      token,
      body: override
        ? { override_callback_uri: override.callbackUrl, verify_token: override.verifyToken }
        : undefined,
      schema: successSchema,
      idempotent: true,
      timeoutMs: 30_000,
    });
  }

  async unsubscribeWaba(wabaId: string, token: string): Promise<void> {
    await this.client.request({
      method: 'DELETE',
      path: `/${wabaId}/subscribed_apps`,
      token,
      schema: successSchema,
    });
  }

  async getPhoneNumber(
    phoneNumberId: string,
    token: string,
    fields = PHONE_FIELDS,
  ): Promise<PhoneNumberInfo> {
    return this.client.request({
      method: 'GET',
      path: `/${phoneNumberId}`,
      query: { fields },
      token,
      schema: phoneNumberSchema,
    });
  }

  /** Sets (verified by Meta first) or, with an empty URL, removes the phone number's callback override. */
  async setPhoneWebhook(
    phoneNumberId: string,
    token: string,
    override: { callbackUrl: string; verifyToken?: string },
  ): Promise<void> {
    const webhook_configuration: Record<string, string> = { override_callback_uri: override.callbackUrl };
    if (override.callbackUrl && override.verifyToken)
      webhook_configuration.verify_token = override.verifyToken;
    await this.client.request({
      method: 'POST',
      path: `/${phoneNumberId}`,
      token,
      body: { webhook_configuration },
      schema: successSchema,
      idempotent: true,
      timeoutMs: 30_000,
    });
  }

  async debugToken(inputToken: string, accessToken: string): Promise<TokenDebug> {
    // The token being inspected travels as a query parameter, as Meta requires; the client never logs queries.
    const res = await this.client.request({
      method: 'GET',
      path: '/debug_token',
      query: { input_token: inputToken },
      token: accessToken,
      schema: debugTokenSchema,
    });
    return res.data;
  }

  /** One send attempt (no retries here: the sender decides). */
  async sendMessage(
    phoneNumberId: string,
    token: string,
    payload: Record<string, unknown>,
  ): Promise<SendAnswer> {
    return this.client.request({
      method: 'POST',
      path: `/${phoneNumberId}/messages`,
      token,
      body: payload,
      schema: sendAnswerSchema,
      retries: 0,
    });
  }
}
