/**
 * The words the portal uses for notification channels and events, on the notification pages
 * and the unsubscribe page alike.
 */
import type { Channel, NotificationEvent } from "../../../shared/db/schema";

/** A channel's name as people write it. */
export const CHANNEL_LABEL: Record<Channel, string> = {
  email: "Email",
  sms: "SMS",
  whatsapp: "WhatsApp",
  telegram: "Telegram",
  slack: "Slack",
  discord: "Discord",
};

const EVENT_LABEL: Record<NotificationEvent, string> = {
  "submission.received": "request received",
  "submission.completed": "result ready",
  "submission.failed": "request failed",
  "submission.cancelled": "request cancelled",
  "submission.needs_review": "request waits for review",
  "submission.replied": "reply from our staff",
  "account.password_changed": "password changed",
  "account.api_key_created": "API key created",
  "digest.daily": "daily digest",
  "staff.new_request": "new customer request (staff)",
  "staff.customer_replied": "customer answered (staff)",
  "staff.draft_ready": "AI draft waits for review (staff)",
  "staff.digest": "daily list of new requests (staff)",
  "alert.firing": "alert firing (admins)",
  "alert.resolved": "alert resolved (admins)",
};

/** An event in words ("result ready"). */
export const eventLabel = (e: NotificationEvent) => EVENT_LABEL[e];
