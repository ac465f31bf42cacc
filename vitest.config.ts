import { readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Test-only service binding `SENT_MAIL`, run in Node: returns the `.eml` file that the local
 * `send_email` binding wrote for a message id (`GET /?messageId=<id>`), so tests read back the
 * exact bytes a mail server would have received. `GET /?to=<address>` returns the newest
 * message to an address instead (`&subject=<text>`: the newest whose Subject holds the text). Miniflare writes them under
 * `<tmp>/miniflare-<hex>/email/email/<message-id>.eml`.
 */
/** A message's Subject header, unfolded and with its RFC 2047 encoded words decoded. */
function subjectOf(raw: Buffer): string {
  const text = raw.toString("latin1");
  const headers = text.slice(0, text.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, " ");
  const value = /^Subject: (.*)$/im.exec(headers)?.[1] ?? "";
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : Buffer.from(
            data
              .replace(/_/g, " ")
              .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            "latin1",
          ).toString("utf8"),
    );
}

async function readSentMail(request: Request): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const messageId = params.get("messageId")?.replace(/^<|>$/g, "") ?? "";
  const to = params.get("to")?.toLowerCase() ?? "";
  const subject = params.get("subject") ?? "";
  if (messageId && !/^[A-Za-z0-9._@-]+$/.test(messageId)) return new Response("bad message id", { status: 400 });
  const root = tmpdir();
  let newest: { raw: Buffer; mtime: number } | null = null;
  for (const dir of await readdir(root)) {
    if (!dir.startsWith("miniflare-")) continue;
    const folder = path.join(root, dir, "email", "email");
    if (messageId) {
      const raw = await readFile(path.join(folder, `${messageId}.eml`)).catch(() => null);
      if (raw) return new Response(raw, { headers: { "content-type": "message/rfc822" } });
      continue;
    }
    // `?to=`: the newest message to that address (tests use unique addresses).
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const file = path.join(folder, name);
      const raw = await readFile(file).catch(() => null);
      if (!raw || !new RegExp(`^To: .*<?${to.replace(/[.+]/g, "\\$&")}>?\\s*$`, "im").test(raw.toString("latin1")))
        continue;
      if (subject && !subjectOf(raw).includes(subject)) continue;
      const { mtimeMs } = await stat(file);
      if (!newest || mtimeMs > newest.mtime) newest = { raw, mtime: mtimeMs };
    }
  }
  if (newest) return new Response(newest.raw, { headers: { "content-type": "message/rfc822" } });
  return new Response("not found", { status: 404 });
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  const workers = (name: string, include: string[], vars: Record<string, string>, exclude: string[] = []) => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        // Workers AI and Vectorize are remote-only: never let a test try to reach them.
        remoteBindings: false,
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            STEP_RETRY_BASE_MS: "20",
            SIGNING_KEY: "test-signing-key",
            // Small upload limits, so the 413 tests send kilobytes, not megabytes.
            UPLOAD_MAX_FILE_BYTES: "65536",
            UPLOAD_MAX_REQUEST_BYTES: "204800",
            UPLOAD_MAX_FILES: "4",
            ...vars,
          },
          // An empty second database: the backup round trip restores into it.
          d1Databases: { RESTORE_DB: "restore-test" },
          serviceBindings: { SENT_MAIL: readSentMail },
        },
      }),
    ],
    test: {
      name,
      include,
      exclude,
      setupFiles: ["./test/setup.ts"],
      silent: "passed-only" as const,
      testTimeout: 30_000,
    },
  });
  return {
    test: {
      // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
      reporters: ["default", "json"],
      outputFile: { json: "test-results/vitest.json" },
      projects: [
        // Chat and SMS providers configured with fake credentials: tests fake their HTTP APIs at
        // the fetch boundary (test/notify-*.test.ts); nobody has them switched on by default.
        workers(
          "workers",
          ["test/**/*.test.ts"],
          {
            TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
            TWILIO_AUTH_TOKEN: "twilio-test-auth-token",
            TWILIO_FROM: "+15005550006",
            TELEGRAM_BOT_TOKEN: "123456789:TEST-telegram-token-abcdefghijkl",
            WHATSAPP_TOKEN: "whatsapp-test-access-token-0123456789",
            WHATSAPP_PHONE_NUMBER_ID: "1098765432",
            WHATSAPP_APP_SECRET: "whatsapp-test-app-secret",
            WHATSAPP_VERIFY_TOKEN: "whatsapp-test-verify-token",
          },
          ["test/openai/**", "test/e2e/**", "test/**/*.node.test.ts"],
        ),
        // The same Worker with the OpenAI-compatible provider, its API faked at the fetch boundary.
        workers("workers-openai", ["test/openai/**/*.test.ts"], {
          AI_PROVIDER: "openai",
          AI_BASE_URL: "https://llm.fake.test/v1",
          AI_API_KEY: "sk-test-key",
          AI_MODEL: "fake-model-1",
          // Error reporting switched on, towards a fake Sentry (test/openai/sentry.test.ts).
          SENTRY_DSN: "https://publickey@sentry.fake.test/42",
          // Short enough for the hang and abort tests to see a timeout, long for everything else.
          STEP_TIMEOUT_MS: "3000",
          // Small chunks, so a few KB of audio exercise chunked, memoized transcription.
          AUDIO_CHUNK_BYTES: "1024",
        }),
        { test: { name: "node", include: ["test/**/*.node.test.ts"], environment: "node" } },
        // Real Chromium against `wrangler dev` (test/e2e/install-chromium.sh installs it).
        {
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.e2e.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
