import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Test-only service binding `SENT_MAIL`, run in Node: returns the `.eml` file that the local
 * `send_email` binding wrote for a message id (`GET /?messageId=<id>`), so tests read back the
 * exact bytes a mail server would have received. Miniflare writes them under
 * `<tmp>/miniflare-<hex>/email/email/<message-id>.eml`.
 */
async function readSentMail(request: Request): Promise<Response> {
  const messageId = new URL(request.url).searchParams.get("messageId")?.replace(/^<|>$/g, "") ?? "";
  if (!/^[A-Za-z0-9._@-]+$/.test(messageId)) return new Response("bad message id", { status: 400 });
  const root = tmpdir();
  for (const dir of await readdir(root)) {
    if (!dir.startsWith("miniflare-")) continue;
    const file = path.join(root, dir, "email", "email", `${messageId}.eml`);
    const raw = await readFile(file).catch(() => null);
    if (raw) return new Response(raw, { headers: { "content-type": "message/rfc822" } });
  }
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
            REVIEW_SIGNING_KEY: "test-review-signing-key",
            ...vars,
          },
          serviceBindings: { SENT_MAIL: readSentMail },
        },
      }),
    ],
    test: { name, include, exclude, setupFiles: ["./test/setup.ts"], silent: "passed-only" as const },
  });
  return {
    test: {
      // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
      reporters: ["default", "json"],
      outputFile: { json: "test-results/vitest.json" },
      projects: [
        workers("workers", ["test/**/*.test.ts"], {}, ["test/openai/**", "test/**/*.node.test.ts"]),
        // The same Worker with the OpenAI-compatible provider, its API faked at the fetch boundary.
        workers("workers-openai", ["test/openai/**/*.test.ts"], {
          AI_PROVIDER: "openai",
          AI_BASE_URL: "https://llm.fake.test/v1",
          AI_API_KEY: "sk-test-key",
          AI_MODEL: "fake-model-1",
          // Short enough for the hang and abort tests to see a timeout, long for everything else.
          STEP_TIMEOUT_MS: "3000",
          // Small chunks, so a few KB of audio exercise chunked, memoized transcription.
          AUDIO_CHUNK_BYTES: "1024",
        }),
        { test: { name: "node", include: ["test/**/*.node.test.ts"], environment: "node" } },
      ],
    },
  };
});
