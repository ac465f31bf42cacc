import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADAPTERS, ChannelError, sendEmail } from "../shared/notifications/channels";
import { fitSms, LIMITS, smsSegments, splitText } from "../shared/notifications/channels/limits";
import { defaultTemplate, renderFor } from "../shared/notifications/templates";
import { readSentEmail } from "./helpers/api";
import { type Captured, fakeProviders, providerOk } from "./helpers/fake-providers";

afterEach(() => {
  vi.restoreAllMocks();
});

const SLACK_URL = "https://hooks.slack.com/services/T000TEST/B000TEST/abcdefghijklmnop";
const DISCORD_URL = "https://discord.com/api/webhooks/1187000000000000000/discord-test-token_ABC";

/** The error an adapter throws, or fails the test when it sends. */
async function failure(run: () => Promise<unknown>): Promise<ChannelError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ChannelError) return error;
    throw error;
  }
  throw new Error("expected the send to fail");
}

const json = (c: Captured) => JSON.parse(c.body) as Record<string, unknown>;

describe("SMS through Twilio", () => {
  it("POSTs the form Twilio expects, with Basic auth, and records the message SID", async () => {
    const calls = fakeProviders(providerOk);
    const result = await ADAPTERS.sms.send(env, {
      to: "+420601234567",
      subject: "ignored",
      text: "Your result is ready.",
    });
    expect(result).toEqual({ providerMessageId: "SM0123456789abcdef0123456789abcdef", parts: 1 });
    expect(calls).toHaveLength(1);
    const [call] = calls as [Captured];
    expect(call.method).toBe("POST");
    expect(call.url).toBe(
      "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json",
    );
    expect(call.headers.get("authorization")).toBe(
      `Basic ${btoa("AC0123456789abcdef0123456789abcdef:twilio-test-auth-token")}`,
    );
    expect(call.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(call.body))).toEqual({
      To: "+420601234567",
      From: "+15005550006",
      Body: "Your result is ready.",
    });
  });

  it("cuts a long text to four segments and counts UCS-2 segments for Czech text", async () => {
    const calls = fakeProviders(providerOk);
    const czech = "Výsledek je připravený, žluťoučký kůň úpěl ďábelské ódy. ".repeat(20);
    const result = await ADAPTERS.sms.send(env, { to: "+420601234567", subject: "", text: czech });
    const body = new URLSearchParams(calls[0]?.body).get("Body") ?? "";
    expect(body.length).toBeLessThanOrEqual(4 * 67);
    expect(body.endsWith("…")).toBe(true);
    expect(smsSegments(body)).toEqual({ encoding: "UCS-2", segments: 4 });
    expect(result.parts).toBe(4);
    expect(smsSegments("a".repeat(160))).toEqual({ encoding: "GSM-7", segments: 1 });
    expect(smsSegments("a".repeat(161))).toEqual({ encoding: "GSM-7", segments: 2 });
    expect(smsSegments("[".repeat(80))).toEqual({ encoding: "GSM-7", segments: 1 });
    expect(fitSms("a".repeat(1000)).length).toBe(612);
  });

  it("calls an invalid number permanent (suppressed), STOP an unsubscribe, 429 and 503 temporary", async () => {
    const answers = [
      Response.json({ code: 21211, message: "Invalid 'To' Phone Number" }, { status: 400 }),
      Response.json({ code: 21610, message: "Attempt to send to unsubscribed recipient" }, { status: 400 }),
      Response.json({ code: 20429, message: "Too Many Requests" }, { status: 429, headers: { "retry-after": "30" } }),
      new Response("Service Unavailable", { status: 503 }),
      Response.json({ code: 20003, message: "Authenticate" }, { status: 401 }),
    ];
    fakeProviders((_req, n) => answers[n - 1] as Response);
    const send = () => ADAPTERS.sms.send(env, { to: "+15005550001", subject: "", text: "hi" });
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: "invalid", httpStatus: 400 });
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: "unsubscribe" });
    expect(await failure(send)).toMatchObject({
      retryable: true,
      retryAfterSeconds: 30,
      httpStatus: 429,
      suppress: null,
    });
    expect(await failure(send)).toMatchObject({ retryable: true, httpStatus: 503 });
    // Our own credentials are wrong: permanent, but the number is not to blame.
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: null, httpStatus: 401 });
  });

  it("treats a network failure as temporary", async () => {
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("Network connection lost."));
    const error = await failure(() => ADAPTERS.sms.send(env, { to: "+15005550001", subject: "", text: "hi" }));
    expect(error.retryable).toBe(true);
    expect(error.message).toBe("Twilio could not be reached");
  });

  it("reports a missing configuration instead of sending", async () => {
    const bare = { ...env, TWILIO_ACCOUNT_SID: "", TWILIO_AUTH_TOKEN: "" } as Env;
    expect(ADAPTERS.sms.configProblem(bare)).toMatch(/TWILIO_ACCOUNT_SID/);
    expect(ADAPTERS.sms.configProblem(env)).toBeNull();
  });
});

describe("Telegram Bot API", () => {
  it("sends HTML-mode messages to the bot's sendMessage and splits past 4096 characters", async () => {
    const calls = fakeProviders(providerOk);
    const short = await ADAPTERS.telegram.send(env, { to: "123456", subject: "", text: "<b>Ready</b>\n\nA &amp; B" });
    expect(short).toEqual({ providerMessageId: "4242", parts: 1, delivered: true });
    expect(calls[0]?.url).toBe("https://api.telegram.org/bot123456789:TEST-telegram-token-abcdefghijkl/sendMessage");
    expect(calls[0]?.headers.get("content-type")).toBe("application/json");
    expect(json(calls[0] as Captured)).toEqual({
      chat_id: "123456",
      text: "<b>Ready</b>\n\nA &amp; B",
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
    });

    const paragraph = `${"Lorem ipsum &amp; dolor sit amet. ".repeat(40)}\n\n`;
    const long = await ADAPTERS.telegram.send(env, { to: "123456", subject: "", text: paragraph.repeat(8) });
    expect(long.parts).toBe(3);
    const texts = calls.slice(1).map((c) => String(json(c).text));
    expect(texts).toHaveLength(3);
    for (const t of texts) {
      expect(t.replace(/&amp;/g, "&").length).toBeLessThanOrEqual(LIMITS.telegram);
      expect(t).not.toMatch(/&[a-z]*$/);
    }
  });

  it("calls a blocked bot permanent and honours retry_after on 429", async () => {
    const answers = [
      Response.json(
        { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" },
        { status: 403 },
      ),
      Response.json(
        {
          ok: false,
          error_code: 429,
          description: "Too Many Requests: retry after 17",
          parameters: { retry_after: 17 },
        },
        { status: 429 },
      ),
      Response.json({ ok: false, error_code: 400, description: "Bad Request: chat not found" }, { status: 400 }),
    ];
    fakeProviders((_r, n) => answers[n - 1] as Response);
    const send = () => ADAPTERS.telegram.send(env, { to: "99", subject: "", text: "hi" });
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: "unsubscribe", httpStatus: 403 });
    expect(await failure(send)).toMatchObject({ retryable: true, retryAfterSeconds: 17 });
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: "invalid" });
  });
});

describe("WhatsApp Cloud API", () => {
  it("POSTs a text message to the phone number's messages edge with the bearer token", async () => {
    const calls = fakeProviders(providerOk);
    const result = await ADAPTERS.whatsapp.send(env, { to: "+420601234567", subject: "", text: "Result ready" });
    expect(result).toEqual({ providerMessageId: "wamid.TEST123", parts: 1 });
    expect(calls[0]?.url).toBe("https://graph.facebook.com/v21.0/1098765432/messages");
    expect(calls[0]?.headers.get("authorization")).toBe("Bearer whatsapp-test-access-token-0123456789");
    expect(json(calls[0] as Captured)).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "420601234567",
      type: "text",
      text: { preview_url: false, body: "Result ready" },
    });
  });

  it("suppresses a recipient who is not on WhatsApp, retries throttling and 5xx", async () => {
    const answers = [
      Response.json({ error: { code: 131026, message: "Message undeliverable" } }, { status: 400 }),
      Response.json({ error: { code: 130429, message: "Rate limit hit" } }, { status: 400 }),
      Response.json({ error: { code: 1, message: "internal" } }, { status: 500 }),
    ];
    fakeProviders((_r, n) => answers[n - 1] as Response);
    const send = () => ADAPTERS.whatsapp.send(env, { to: "+420601234567", subject: "", text: "hi" });
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: "invalid" });
    expect(await failure(send)).toMatchObject({ retryable: true, retryAfterSeconds: 60 });
    expect(await failure(send)).toMatchObject({ retryable: true, httpStatus: 500 });
  });
});

describe("Slack and Discord incoming webhooks", () => {
  it("POSTs mrkdwn text to the Slack webhook; a removed webhook is permanent, 429 waits Retry-After", async () => {
    const answers = [
      new Response("ok"),
      new Response("no_service", { status: 404 }),
      new Response("rate_limited", { status: 429, headers: { "retry-after": "12" } }),
    ];
    const calls = fakeProviders((_r, n) => answers[n - 1] as Response);
    const result = await ADAPTERS.slack.send(env, { to: SLACK_URL, subject: "", text: "*Ready* &lt;x&gt;" });
    expect(result).toEqual({ providerMessageId: null, parts: 1, delivered: true });
    expect(calls[0]?.url).toBe(SLACK_URL);
    expect(json(calls[0] as Captured)).toEqual({ text: "*Ready* &lt;x&gt;", mrkdwn: true, unfurl_links: false });
    const send = () => ADAPTERS.slack.send(env, { to: SLACK_URL, subject: "", text: "hi" });
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: "invalid", httpStatus: 404 });
    expect(await failure(send)).toMatchObject({ retryable: true, retryAfterSeconds: 12 });
  });

  it("never POSTs to a host that is not Slack's or Discord's", async () => {
    const calls = fakeProviders(providerOk);
    await expect(
      ADAPTERS.slack.send(env, { to: "https://169.254.169.254/latest", subject: "", text: "x" }),
    ).rejects.toMatchObject({ retryable: false });
    await expect(
      ADAPTERS.discord.send(env, { to: "https://evil.example/api/webhooks/1/x", subject: "", text: "x" }),
    ).rejects.toMatchObject({ retryable: false });
    expect(calls).toHaveLength(0);
  });

  it("POSTs to Discord with wait=true and no mentions, splits at 2000 and records the message id", async () => {
    const calls = fakeProviders(providerOk);
    const result = await ADAPTERS.discord.send(env, { to: DISCORD_URL, subject: "", text: "word ".repeat(700) });
    expect(result).toEqual({ providerMessageId: "1188000000000000001", parts: 2, delivered: true });
    expect(calls[0]?.url).toBe(`${DISCORD_URL}?wait=true`);
    for (const call of calls) {
      const body = json(call);
      expect(String(body.content).length).toBeLessThanOrEqual(2000);
      expect(body.allowed_mentions).toEqual({ parse: [] });
    }
  });

  it("calls an unknown Discord webhook permanent and 429 temporary", async () => {
    const answers = [
      Response.json({ message: "Unknown Webhook", code: 10015 }, { status: 404 }),
      Response.json(
        { message: "You are being rate limited.", retry_after: 2.5 },
        { status: 429, headers: { "retry-after": "3" } },
      ),
    ];
    fakeProviders((_r, n) => answers[n - 1] as Response);
    const send = () => ADAPTERS.discord.send(env, { to: DISCORD_URL, subject: "", text: "hi" });
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: "invalid" });
    expect(await failure(send)).toMatchObject({ retryable: true, retryAfterSeconds: 3 });
  });
});

describe("email", () => {
  const httpEnv = {
    ...env,
    EMAIL_PROVIDER: "http",
    EMAIL_HTTP_URL: "https://api.resend.com/emails",
    EMAIL_HTTP_API_KEY: "re_test_0123456789",
  } as Env;

  it("sends through a Resend-style HTTP API with the bearer key, threading headers and an idempotency key", async () => {
    const calls = fakeProviders(providerOk);
    const result = await sendEmail(httpEnv, {
      to: "ada@example.com",
      subject: "Re: my request",
      text: "Thanks, received.",
      html: "<p>Thanks, received.</p>",
      replyTo: "reply+abc@statex.localhost",
      inReplyTo: "orig-1@mail.example",
      references: ["root@mail.example", "orig-1@mail.example"],
      messageId: "ack.1@statex.localhost",
      headers: { "X-Request-Id": "corr-1" },
    });
    // The Message-ID on the wire is ours (the provider keeps it): what a reply to this mail names.
    expect(result).toEqual({ providerMessageId: "re_0123456789", parts: 1, messageId: "ack.1@statex.localhost" });
    const [call] = calls as [Captured];
    expect(call.url).toBe("https://api.resend.com/emails");
    expect(call.headers.get("authorization")).toBe("Bearer re_test_0123456789");
    expect(call.headers.get("idempotency-key")).toBe("ack.1@statex.localhost");
    expect(json(call)).toEqual({
      from: "StateX <results@statex.localhost>",
      to: ["ada@example.com"],
      subject: "Re: my request",
      text: "Thanks, received.",
      html: "<p>Thanks, received.</p>",
      reply_to: "reply+abc@statex.localhost",
      headers: {
        "X-Request-Id": "corr-1",
        "Reply-To": "reply+abc@statex.localhost",
        "In-Reply-To": "<orig-1@mail.example>",
        References: "<root@mail.example> <orig-1@mail.example>",
        "Message-ID": "<ack.1@statex.localhost>",
        "Auto-Submitted": "auto-generated",
      },
    });
  });

  it("classifies HTTP provider errors and refuses a half configuration", async () => {
    const answers = [
      Response.json({ name: "validation_error", message: "Invalid `to` field" }, { status: 422 }),
      Response.json({ name: "internal_server_error" }, { status: 500 }),
    ];
    fakeProviders((_r, n) => answers[n - 1] as Response);
    const send = () => sendEmail(httpEnv, { to: "x@example.com", subject: "s", text: "t" });
    expect(await failure(send)).toMatchObject({ retryable: false, suppress: "invalid", httpStatus: 422 });
    expect(await failure(send)).toMatchObject({ retryable: true, httpStatus: 500 });
    const half = { ...env, EMAIL_PROVIDER: "http", EMAIL_HTTP_URL: "http://insecure.example" } as Env;
    expect(ADAPTERS.email.configProblem(half)).toMatch(/EMAIL_HTTP_URL/);
    expect(await failure(() => sendEmail(half, { to: "x@example.com", subject: "s", text: "t" }))).toMatchObject({
      retryable: false,
    });
  });

  it("sends through the send_email binding with reply threading headers and no header injection", async () => {
    const result = await sendEmail(env, {
      to: "thread@example.com",
      subject: "Re: hello\r\nBcc: victim@example.com",
      text: "Acknowledged.",
      html: "<p>Acknowledged.</p>",
      replyTo: "reply+t1@statex.localhost",
      inReplyTo: "<orig-2@mail.example>",
      references: ["orig-2@mail.example"],
      messageId: "ack.thread.1@statex.localhost",
    });
    const { raw, email: mail } = await readSentEmail(result.providerMessageId ?? "");
    // send_email (locally and on Cloudflare) assigns its own Message-ID and returns it: that is
    // the id to thread later replies on, so it is what the delivery log records.
    expect(mail.messageId?.replace(/^<|>$/g, "")).toBe(result.providerMessageId?.replace(/^<|>$/g, ""));
    expect(mail.inReplyTo).toBe("<orig-2@mail.example>");
    expect(mail.references).toBe("<orig-2@mail.example>");
    expect(mail.replyTo?.[0]?.address).toBe("reply+t1@statex.localhost");
    expect(mail.subject).toBe("Re: hello Bcc: victim@example.com");
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(mail.text).toContain("Acknowledged.");
  });
});

describe("templates", () => {
  const hostile = {
    name: "<script>alert(1)</script>",
    id: "sub_X",
    link: "https://statex.test/app/requests/sub_X",
    requestId: "r1",
    summary: "*bold* <@U123> & <!channel> @everyone [x](https://evil.example)",
    result: "## Result\n\n<img src=x onerror=alert(1)> fine",
    reason: "<b>oops</b> & more",
  };

  it("renders English and Czech with hostile values escaped for every channel", () => {
    for (const locale of ["en", "cs"] as const) {
      const email = renderFor("email", defaultTemplate("submission.completed", "email", locale), hostile, {
        locale,
        unsubscribeUrl: "https://statex.test/u/unsubscribe/tok",
      });
      expect(email.subject).toContain("sub_X");
      expect(email.subject).toMatch(locale === "cs" ? /výsledek/i : /result is ready/);
      expect(email.html).not.toContain("<script>");
      expect(email.html).toContain("&lt;script&gt;");
      expect(email.html).not.toMatch(/onerror/i);
      expect(email.html).toContain("<h2");
      expect(email.html).toContain('href="https://statex.test/u/unsubscribe/tok"');
      expect(email.text).toContain("<script>alert(1)</script>");

      const telegram = renderFor("telegram", defaultTemplate("submission.completed", "telegram", locale), hostile, {
        locale,
      });
      expect(telegram.text).toContain("&lt;@U123&gt; &amp; &lt;!channel&gt;");
      expect(telegram.text.startsWith("<b>")).toBe(true);
      expect(telegram.text.replace(/^<b>[^<]*<\/b>/, "")).not.toMatch(/<[a-z!@]/i);

      const slack = renderFor("slack", defaultTemplate("submission.completed", "slack", locale), hostile, {
        locale,
        unsubscribeUrl: "https://statex.test/u/unsubscribe/a&b",
      });
      expect(slack.text).toMatch(/https:\/\/statex\.test\/u\/unsubscribe\/a&amp;b$/);
      expect(slack.text).toContain("&lt;!channel&gt;");
      expect(slack.text).not.toContain("<!channel>");

      const discord = renderFor("discord", defaultTemplate("submission.completed", "discord", locale), hostile, {
        locale,
      });
      expect(discord.text).toContain("\\*bold\\*");
      expect(discord.text).not.toContain("@everyone");
      expect(discord.text).toContain("\\[x\\]\\(https://evil.example\\)");

      const sms = renderFor("sms", defaultTemplate("submission.completed", "sms", locale), hostile, { locale });
      expect(sms.text).toContain(hostile.summary);
    }
    const failed = renderFor("email", defaultTemplate("submission.failed", "email", "cs"), hostile, { locale: "cs" });
    expect(failed.subject).toBe("Váš požadavek StateX se nepodařilo dokončit (sub_X)");
    expect(failed.html).toContain("&lt;b&gt;oops&lt;/b&gt; &amp; more");
  });

  it("splits at paragraph boundaries and never exceeds the limit", () => {
    const parts = splitText(`${"a".repeat(30)}\n\n${"b".repeat(30)}`, 40);
    expect(parts).toEqual(["a".repeat(30), "b".repeat(30)]);
    const many = splitText("x ".repeat(500), 100, 3);
    expect(many).toHaveLength(3);
    expect(many.every((p) => p.length <= 100)).toBe(true);
    expect(many[2]?.endsWith("…")).toBe(true);
    // An emoji (surrogate pair) is never cut in half.
    const emoji = splitText("😀".repeat(60), 51, 1);
    expect(emoji[0]).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
