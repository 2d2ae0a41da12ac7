import { renderBroadcast } from "@oemr-reg/core/email/render";
import { app } from "@oemr-reg/functions/api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { postForm, postJson, serveForFile, uniqueEmail } from "../support/serve.ts";
import { emailsWithSubject, eventually, runStackConsumers } from "../support/stack.ts";
import { recordFigure, recordSecrets } from "./support/figures.ts";

const PIN = "board-pin-24681357"; // ownStack's default, which test/setup/stack.ts uses
const base = await serveForFile(app);
await runStackConsumers();

const HOSTILE = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
  '<img src=x onerror="alert(1)">',
  '<svg onload=alert(1)><circle r="1"/></svg>',
  '<a href="javascript:alert(1)">patch</a>',
  '<a href="JaVaScRiPt:alert(1)">patch</a>',
  '<a href="&#106;avascript:alert(1)">patch</a>',
  '<a href=" javascript:alert(1)">patch</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">patch</a>',
  '<iframe src="https://evil.example"></iframe>',
  '<object data="x.swf"></object><embed src="x.swf">',
  '<form action="https://evil.example"><input name="pin"></form>',
  '<p style="background:url(javascript:alert(1))" onclick="alert(1)">click</p>',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  "<base href=https://evil.example/>",
  "[patch](javascript:alert(1))",
  '<div onmouseover="alert(1)">hover</div>',
];
// Markup that runs or loads something. What survives as escaped text ("&lt;script&gt;", or a
// Markdown link written inside HTML) is harmless and allowed.
const UNSAFE = new RegExp(
  [
    String.raw`<(script|iframe|object|embed|form|meta|base|svg|style)\b`,
    String.raw`<[^>]*\son\w+\s*=`,
    String.raw`<[^>]*\b(href|src|action|style)\s*=\s*["']?[^"'>]*(javascript:|data:text\/html|&#)`,
  ].join("|"),
  "i",
);

describe("broadcast HTML", () => {
  it("removes scripts, event handlers and javascript: links from any mix of hostile markup", () => {
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...HOSTILE), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (parts, asHtml) => {
          runs += 1;
          const body = `<p>OpenEMR 7.0.3.4</p>${parts.join("\n")}`;
          const rendered = renderBroadcast(
            asHtml ? { title: "t", contents: "x", html: body } : { title: "t", contents: body },
          );
          expect(rendered.html).not.toMatch(UNSAFE);
          // html-to-text writes a link's target in brackets: none may be a script.
          expect(rendered.text).not.toMatch(/\[\s*javascript:/i);
        },
      ),
      { numRuns: 500 },
    );
    recordFigure({
      check: "broadcast HTML sanitized (render)",
      tried: `${runs} mixes of ${HOSTILE.length} hostile fragments, as HTML and as Markdown`,
      count: runs,
      lost: 0,
    });
  });

  it("sends every hostile fragment sanitized, end to end through the queues and SES", async () => {
    const email = uniqueEmail("sanitized");
    recordSecrets(email);
    expect((await postForm(`${base}/api/registration`, { email })).status).toBe(201);
    const title = `Sanitized ${crypto.randomUUID()}`;
    const html = `<h1>OpenEMR 7.0.3.4</h1><p>Patch now.</p>${HOSTILE.join("\n")}`;
    const started = await postJson(`${base}/api/registration/broadcast`, {
      secretPin: PIN,
      title,
      contents: "Patch now.",
      html,
    });
    expect(started.status).toBe(200);
    const [sent] = await eventually(
      async () => {
        const emails = await emailsWithSubject(title);
        return emails.length > 0 ? emails : undefined;
      },
      30_000,
      "the email",
    );
    // The broadcast's part of the email: between the service's own head and footer.
    const sentHtml = sent!.body.html!;
    const body = sentHtml.slice(sentHtml.indexOf("<h1>OpenEMR"), sentHtml.lastIndexOf("<hr"));
    expect(body).toContain("Patch now.");
    expect(body).not.toMatch(UNSAFE);
    expect(sentHtml).not.toMatch(/<script|javascript:alert\(1\)"|\son(error|load|click|mouseover)=/i);
    recordFigure({
      check: "broadcast HTML sanitized (sent)",
      tried: `one broadcast carrying all ${HOSTILE.length} fragments, read back from SES`,
      count: HOSTILE.length,
      lost: 0,
    });
  }, 60_000);
});
