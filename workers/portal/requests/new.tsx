/**
 * The new-request form and what it posts to: text alone as a plain form, or text with files
 * and voice notes streamed like the API's multipart intake; a refused upload shows the form
 * again with the reason.
 */
import type { Context } from "hono";
import { ACCEPT_ATTRIBUTE, ACCEPTED_SUMMARY } from "../../../shared/filetypes";
import { HttpProblem } from "../../../shared/http/problem";
import { acceptSubmission, MAX_TEXT_CHARS } from "../../../shared/submissions/accept";
import { formatBytes, uploadLimits } from "../../../shared/submissions/files";
import { acceptMultipartSubmission, isMultipart } from "../../api/submissions/intake";
import { CreateSubmissionBody } from "../../api/submissions/schemas";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { Csrf, formOf, str } from "../kit";
import type { Flash } from "../layout";
import { checkSessionCsrf } from "../session";
import { page } from "./area";

/** `GET /app/requests/new`: the empty form. */
export const newRequestForm = (c: Context<AppEnv>) => NewRequestPage(c, null, "");

/** `POST /app/requests`: accepts the request and shows its page, or the form with what is wrong. */
export async function createRequest(c: Context<AppEnv>) {
  let id: string;
  if (isMultipart(c.req.raw)) {
    // The form with files: streamed like the API's multipart intake. The CSRF token is the
    // form's first field, checked before any file is stored and again before acceptance.
    try {
      ({ id } = await acceptMultipartSubmission(c.env, c.req.raw, {
        user: c.get("user"),
        source: "portal",
        correlationId: c.get("requestId"),
        log: c.get("log"),
        extraFields: ["_csrf"],
        beforeFirstFile: (fields) => checkSessionCsrf(c, fields),
        checkFields: (fields) => checkSessionCsrf(c, fields),
      }));
    } catch (error) {
      if (error instanceof HttpProblem && error.slug !== "csrf" && [400, 413, 415, 422].includes(error.status)) {
        return NewRequestPage(c, { kind: "bad", text: error.message }, "", error.status);
      }
      throw error;
    }
  } else {
    const body = await formOf(c);
    const parsed = CreateSubmissionBody.safeParse({ text: str(body.text) });
    if (!parsed.success) {
      return NewRequestPage(
        c,
        { kind: "bad", text: parsed.error.issues[0]?.message ?? "Check the text." },
        str(body.text),
      );
    }
    ({ id } = await acceptSubmission(c.env, parsed.data, {
      user: c.get("user"),
      source: "portal",
      correlationId: c.get("requestId"),
      log: c.get("log"),
    }));
  }
  await audit(c, { action: "submission.created", targetType: "submission", targetId: id });
  return c.redirect(`/app/requests/${id}`, 303);
}

/** The form, with `flash` and the text sent so far. */
function NewRequestPage(c: Context<AppEnv>, flash: Flash | null, text: string, status?: number) {
  const limits = uploadLimits(c.env);
  return page(
    c,
    "New request",
    "/app/requests/new",
    <>
      <h1>New request</h1>
      <form
        class="card"
        method="post"
        action="/app/requests"
        enctype="multipart/form-data"
        data-upload-form
        data-max-file={limits.maxFileBytes}
        data-max-request={limits.maxRequestBytes}
        data-max-files={limits.maxFiles}
      >
        {/* First in the form, so the server checks it before storing any file. */}
        <Csrf c={c} />
        <label for="text">What do you need?</label>
        <textarea id="text" name="text" maxlength={MAX_TEXT_CHARS} required aria-describedby="text-hint">
          {text}
        </textarea>
        <p class="hint" id="text-hint">
          Up to {MAX_TEXT_CHARS.toLocaleString("en")} characters, in any language. The result appears here and is
          emailed to {c.get("user").email}. <span data-count-for="text" />
        </p>
        <label for="files">Files and voice notes (optional)</label>
        <div class="drop" data-drop>
          <input type="file" id="files" name="files" multiple accept={ACCEPT_ATTRIBUTE} aria-describedby="files-hint" />
          <p class="hint" data-drop-hint hidden>
            …or drop files here.
          </p>
        </div>
        <p class="hint" id="files-hint">
          Up to {limits.maxFiles} files, each at most {formatBytes(limits.maxFileBytes)}, together at most{" "}
          {formatBytes(limits.maxRequestBytes)}. Accepted: {ACCEPTED_SUMMARY}. Each file is checked by its content, not
          only its name; documents are read and audio is transcribed into your request.
        </p>
        <div class="actions" data-recorder hidden>
          <button type="button" class="secondary" data-record>
            Record a voice note
          </button>
          <span class="muted" data-record-status aria-live="polite" />
        </div>
        <ul class="files" data-file-list aria-live="polite" />
        <p class="flash bad" data-upload-error role="alert" hidden />
        <div data-upload-progress hidden>
          <label for="upload-progress">Upload</label>
          <progress id="upload-progress" max="100" value="0" />
          <span class="muted" data-upload-status aria-live="polite" />
        </div>
        <div class="actions">
          <button type="submit">Send request</button>
        </div>
      </form>
    </>,
    flash,
    status ?? (flash?.kind === "bad" ? 422 : 200),
  );
}
