/**
 * The portal as a browser without JavaScript sees it: a client that keeps cookies and its own
 * client address, posts forms with their CSRF field, and follows links from the mail it was
 * sent.
 */
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
import { BASE } from "./api";
import { newestSentMailTo } from "./mail";

/**
 * A minimal cookie-keeping client for the portal, speaking to the Worker like a browser
 * without JavaScript: it keeps cookies, and reads hidden form fields from pages.
 */
export class PortalClient {
  readonly cookies = new Map<string, string>();
  /** Each client looks like its own visitor to the per-IP rate limits (Cloudflare sets this header). */
  // Random over 16 million addresses: the limiter's counters are shared by every test file.
  readonly ip = `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 254) + 1).join(".")}`;

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("cf-connecting-ip", this.ip);
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await exports.default.fetch(`${BASE}${path}`, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(path: string) {
    return this.request(path);
  }

  /** POSTs a form; `_csrf` is taken from `fromPage` (the HTML the form came from) unless given. */
  async post(path: string, fields: Record<string, string | string[]>, fromPage?: string): Promise<Response> {
    const body = new URLSearchParams();
    const csrf = fromPage ? hiddenField(fromPage, "_csrf") : undefined;
    if (csrf && !("_csrf" in fields)) body.set("_csrf", csrf);
    for (const [k, v] of Object.entries(fields)) {
      for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    }
    return this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
  }

  /** GETs a page and returns its HTML, failing on a non-200. */
  async page(path: string): Promise<string> {
    const res = await this.get(path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.headers.get("location") ?? ""}`);
    return res.text();
  }
}

export function hiddenField(html: string, name: string): string | undefined {
  const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return match?.[1]?.replace(/&amp;/g, "&");
}

/**
 * The newest email to `to` (whose Subject holds `subject`, when given: other mail may reach the
 * same address meanwhile), parsed, and the first link in its text part matching `pattern`.
 */
export async function latestMailLink(
  to: string,
  pattern: RegExp,
  subject?: string,
): Promise<{ subject: string; link: string }> {
  return vi.waitFor(
    async () => {
      const email = await newestSentMailTo(to, subject);
      const link = (email.text ?? "").match(/https?:\/\/\S+/g)?.find((l) => pattern.test(l));
      if (!link) throw new Error(`no link matching ${pattern} in "${email.subject}"`);
      return { subject: email.subject ?? "", link };
    },
    { timeout: 5_000, interval: 50 },
  );
}

/** Path and query of an absolute link. */
export const pathOf = (link: string) => {
  const u = new URL(link);
  return u.pathname + u.search;
};
