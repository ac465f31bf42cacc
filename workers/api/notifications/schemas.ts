/**
 * The notification API's request and response schemas (zod, with their OpenAPI names): the
 * delivery log and its filters, preferences and destinations, provider callbacks, and the
 * admin's re-drive, templates and suppression list.
 */
import { z } from "@hono/zod-openapi";
import {
  CHANNELS,
  LOCALES,
  NOTIFICATION_EVENTS,
  NOTIFICATION_STATUSES,
  SUPPRESSION_REASONS,
} from "../../../shared/db/schema";
import { DESTINATION_CHANNELS } from "../../../shared/notifications/preferences";
import { VERIFIED_CHANNELS } from "../../../shared/notifications/verification";

export const ChannelEnum = z.enum(CHANNELS).openapi({ description: "A notification channel." });
export const EventEnum = z.enum(NOTIFICATION_EVENTS).openapi({ description: "A notification event." });

export const TimelineEntry = z
  .object({
    status: z.string().openapi({ description: "queued, sent, delivered, retry, failed, suppressed or skipped." }),
    attempt: z.number().int().openapi({ description: "Send attempt number; 0 for entries that are not attempts." }),
    at: z.iso.datetime(),
    providerMessageId: z.string().nullable(),
    error: z.string().nullable(),
    httpStatus: z.number().int().nullable(),
  })
  .openapi("NotificationTimelineEntry");

export const Delivery = z
  .object({
    id: z.string().openapi({ description: "`<subject>:<event>:<channel>`; one per event and channel, ever." }),
    event: z.string(),
    channel: z.string(),
    recipient: z.string().openapi({ description: "The address (phone numbers and webhook URLs masked for users)." }),
    status: z.enum(NOTIFICATION_STATUSES),
    attempts: z.number().int(),
    submissionId: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    sentAt: z.iso.datetime().nullable(),
    timeline: z.array(TimelineEntry),
    userEmail: z.string().nullable().optional().openapi({ description: "Admin view only: the recipient's account." }),
  })
  .openapi("NotificationDelivery");

const limit = z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Page size (1–100)." });
const before = z.coerce.number().int().positive().optional().openapi({ description: "Cursor from `nextBefore`." });

export const LogQuery = z.object({
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  channel: ChannelEnum.optional(),
  event: EventEnum.optional(),
  submissionId: z.string().max(40).optional().openapi({ description: "Only deliveries about this request." }),
  limit,
  before,
});

export const AdminLogQuery = LogQuery.extend({
  userId: z.string().max(80).optional().openapi({ description: "Only this recipient." }),
  from: z.iso.date().optional().openapi({ description: "Created on or after this day (UTC)." }),
  to: z.iso.date().optional().openapi({ description: "Created on or before this day (UTC)." }),
});

export const DeliveryPage = z
  .object({ items: z.array(Delivery), nextBefore: z.number().int().nullable() })
  .openapi("NotificationDeliveryPage");

export const Preference = z
  .object({ event: EventEnum, channel: ChannelEnum, enabled: z.boolean() })
  .openapi("NotificationPreference");

export const Preferences = z
  .object({
    preferences: z.array(Preference).openapi({ description: "Every event × channel, with defaults filled in." }),
    destinations: z.array(
      z.object({
        channel: ChannelEnum,
        address: z.string(),
        verified: z.boolean().openapi({
          description:
            "False until the code sent to an SMS, WhatsApp or Telegram address is entered; nothing is sent there before.",
        }),
      }),
    ),
    quotas: z
      .array(
        z.object({
          channel: ChannelEnum,
          used: z.number().int().openapi({ description: "Messages sent to you on this channel today (UTC)." }),
          limit: z.number().int().openapi({ description: "The most a day; past it nothing more is sent today." }),
          resetsAt: z.iso.datetime().openapi({ description: "The next 00:00 UTC." }),
        }),
      )
      .openapi({ description: "Today's use of each paid channel (SMS, WhatsApp)." }),
    channels: z
      .array(z.object({ channel: ChannelEnum, available: z.boolean() }))
      .openapi({ description: "Whether this deployment can send on each channel." }),
    locale: z.string(),
  })
  .openapi("NotificationPreferences");

export const PreferencesBody = z
  .object({ preferences: z.array(Preference).min(1).max(100) })
  .strict()
  .openapi("NotificationPreferencesUpdate");

export const DestinationParams = z.object({
  channel: z.enum(DESTINATION_CHANNELS).openapi({ param: { name: "channel", in: "path" } }),
});

export const VerifiableParams = z.object({
  channel: z
    .enum(VERIFIED_CHANNELS)
    .openapi({ param: { name: "channel", in: "path" }, description: "sms, whatsapp or telegram." }),
});

export const CodeBody = z
  .object({
    code: z.string().max(20).openapi({ description: "The 6-digit code sent to the destination.", example: "123456" }),
  })
  .strict();

export const DestinationState = z
  .object({
    channel: ChannelEnum,
    address: z.string(),
    verified: z.boolean(),
    codeExpiresAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: "When the code just sent stops working; null when no code was sent." }),
  })
  .openapi("NotificationDestination");

export const DestinationBody = z
  .object({
    address: z.string().trim().min(1).max(300).openapi({
      description: "E.164 number (sms, whatsapp), Telegram chat id, or the Slack/Discord incoming webhook URL.",
      example: "+420601234567",
    }),
  })
  .strict();

export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const RedriveBody = z
  .object({ ids: z.array(z.string().min(1).max(300)).min(1).max(100) })
  .strict()
  .openapi("NotificationRedrive");

export const TemplateParams = z.object({
  event: EventEnum.openapi({ param: { name: "event", in: "path" } }),
  channel: ChannelEnum.openapi({ param: { name: "channel", in: "path" } }),
  locale: z.enum(LOCALES).openapi({ param: { name: "locale", in: "path" } }),
});

export const Template = z
  .object({
    event: EventEnum,
    channel: ChannelEnum,
    locale: z.enum(LOCALES),
    subject: z.string().openapi({ description: "Email subject (other channels: Telegram's bold title)." }),
    body: z.string().openapi({ description: "`{{name}}` placeholders; see `variables`." }),
    variables: z.array(z.string()),
    updatedAt: z.iso.datetime().nullable(),
  })
  .openapi("NotificationTemplate");

export const TemplateBody = z
  .object({ subject: z.string().max(300).default(""), body: z.string().min(1).max(10_000) })
  .strict()
  .openapi("NotificationTemplateUpdate");

export const PreviewBody = z
  .object({
    event: EventEnum,
    channel: ChannelEnum,
    locale: z.enum(LOCALES),
    subject: z.string().max(300).optional(),
    body: z.string().max(10_000).optional(),
  })
  .strict()
  .openapi("NotificationTemplatePreviewRequest");

export const Preview = z
  .object({ subject: z.string(), text: z.string(), html: z.string().nullable() })
  .openapi("NotificationTemplatePreview");

export const Suppression = z
  .object({
    channel: ChannelEnum,
    address: z.string(),
    reason: z.enum(SUPPRESSION_REASONS),
    source: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi("Suppression");

export const SuppressionBody = z
  .object({
    channel: ChannelEnum,
    address: z.string().trim().min(1).max(300),
    reason: z.enum(SUPPRESSION_REASONS).default("manual"),
  })
  .strict();

export const SuppressionParams = z.object({
  channel: ChannelEnum.openapi({ param: { name: "channel", in: "path" } }),
  address: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: "address", in: "path" } }),
});

export const TwilioStatusQuery = z.object({
  id: z.string().min(1).max(300).openapi({ description: "Our delivery id." }),
});

export const TwilioStatusForm = z
  .object({
    MessageSid: z.string().min(1),
    MessageStatus: z.string().min(1),
    ErrorCode: z.string().optional(),
  })
  .passthrough();

export const WhatsAppVerifyQuery = z.object({
  "hub.mode": z.string().optional(),
  "hub.verify_token": z.string().optional(),
  "hub.challenge": z.string().max(200).optional(),
});
