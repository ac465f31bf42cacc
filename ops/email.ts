/**
 * `npm run email -- <file.eml> [--to requests@statex.localhost] [--from addr] [--url http://127.0.0.1:8787]`
 *
 * Sends a raw RFC 822 message to the local Worker's `email()` handler, as Email Routing would,
 * through `wrangler dev`'s `POST /cdn-cgi/local/email?from=&to=`, and prints what happened:
 * accepted or rejected (with the reason the sender would see) and every reply, with its
 * confirmation or portal links. Mail sent through `send_email` instead of `message.reply()`
 * (e.g. to a message without a Message-ID) is written under `.wrangler/tmp/` by wrangler.
 * `-` reads the message from standard input.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import PostalMime from "postal-mime";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    to: { type: "string" },
    from: { type: "string" },
    url: { type: "string", default: process.env.STATEX_URL ?? "http://127.0.0.1:8787" },
  },
});
const file = positionals[0];
if (!file) {
  console.error("usage: npm run email -- <file.eml|-> [--to addr] [--from addr] [--url http://127.0.0.1:8787]");
  process.exit(2);
}
const raw = readFileSync(file === "-" ? 0 : file);
const parsed = await PostalMime.parse(raw);
const from = values.from ?? parsed.from?.address ?? "";
const to = values.to ?? parsed.to?.find((a) => a.address)?.address ?? "requests@statex.localhost";
if (!from) {
  console.error("The message has no From address; pass --from.");
  process.exit(2);
}

const url = new URL("/cdn-cgi/local/email", values.url);
url.searchParams.set("from", from);
url.searchParams.set("to", to);
url.searchParams.set("format", "json");
let res: Response;
try {
  res = await fetch(url, { method: "POST", body: raw, headers: { "content-type": "message/rfc822" } });
} catch (error) {
  console.error(`Could not reach ${values.url}: is \`npm run dev\` running? (${(error as Error).message})`);
  process.exit(1);
}
const body = await res.text();
let result: { outcome?: string; rejectReason?: string; replies?: { raw?: string; messageId?: string }[] } = {};
try {
  result = JSON.parse(body);
} catch {
  console.error(`${res.status} ${res.statusText}: ${body}`);
  process.exit(1);
}

console.log(`${from} → ${to}: ${parsed.subject ?? "(no subject)"}`);
if (result.rejectReason) {
  console.log(`Rejected: ${result.rejectReason}`);
} else {
  console.log("Accepted.");
}
for (const reply of result.replies ?? []) {
  const mail = reply.raw ? await PostalMime.parse(reply.raw) : null;
  console.log(`\nReply ${reply.messageId ?? ""}`);
  if (!mail) continue;
  console.log(`  Subject:  ${mail.subject}`);
  console.log(`  Reply-To: ${mail.replyTo?.map((a) => a.address).join(", ") ?? "-"}`);
  for (const link of (mail.text ?? "").match(/https?:\/\/\S+/g) ?? []) console.log(`  Link:     ${link}`);
}
if (!result.rejectReason && (result.replies ?? []).length === 0) {
  console.log("No reply through message.reply(); any answer went through send_email (see .wrangler/tmp/**/email/).");
}
process.exitCode = result.outcome === "ok" || result.rejectReason ? 0 : 1;
