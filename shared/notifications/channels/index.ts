/**
 * The channel adapters by channel, and the email sender used outside the delivery engine.
 */
import type { Channel } from "../../db/schema";
import { emailAdapter } from "./email";
import { twilioSmsAdapter } from "./sms-twilio";
import { telegramAdapter } from "./telegram";
import type { ChannelAdapter } from "./types";
import { discordAdapter, slackAdapter } from "./webhooks-chat";
import { whatsappAdapter } from "./whatsapp";

export { type EmailInput, sendEmail } from "./email";
export { ChannelError, type ChannelMessage, type SendResult } from "./types";

/** The adapter of every channel. */
export const ADAPTERS: Record<Channel, ChannelAdapter> = {
  email: emailAdapter,
  sms: twilioSmsAdapter,
  whatsapp: whatsappAdapter,
  telegram: telegramAdapter,
  slack: slackAdapter,
  discord: discordAdapter,
};
