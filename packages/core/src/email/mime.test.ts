import { SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { simpleParser } from "mailparser";
import { describe, expect, inject, it } from "vitest";
import { signToken } from "../tokens/index.ts";
import { unsubscribeUrl } from "./links.ts";
import { composeRawEmail } from "./mime.ts";
import { personalize } from "./personalize.ts";
import { renderBroadcast } from "./render.ts";

const from = "OpenEMR Security <security@open-emr.org>";
const to = "Jürgen Admin <admin@clinic.example.org>";
const broadcastId = crypto.randomUUID();

async function compose(title: string) {
  const rendered = renderBroadcast({
    title,
    contents: "# Patch 4\n\nUpgrade via [the wiki](https://www.open-emr.org/wiki).",
  });
  const token = await signToken("test-key", { purpose: "unsubscribe", email: "admin@clinic.example.org" });
  const url = unsubscribeUrl("https://reg.open-emr.org/", token);
  const email = personalize(rendered, { unsubscribeUrl: url, privacyUrl: `${url}/privacy` });
  return { url, email, raw: await composeRawEmail({ ...email, from, to, unsubscribeUrl: url, broadcastId }) };
}

describe("composeRawEmail", () => {
  it("builds multipart/alternative MIME with both parts and the unsubscribe and tracing headers", async () => {
    const { url, email, raw } = await compose("Sécurité: OpenEMR 7.0.3 patch 4");
    const parsed = await simpleParser(Buffer.from(raw));

    expect(parsed.subject).toBe("Sécurité: OpenEMR 7.0.3 patch 4");
    expect(parsed.from?.value).toEqual([{ name: "OpenEMR Security", address: "security@open-emr.org" }]);
    expect(parsed.to).toMatchObject({ value: [{ name: "Jürgen Admin", address: "admin@clinic.example.org" }] });
    expect(parsed.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
    expect(parsed.text).toBe(email.text);
    expect(parsed.html).toBe(email.html);
    expect(parsed.text).toContain(`Unsubscribe: ${url}`);
    expect(parsed.html).toContain(`href="${url}"`);

    // Raw lines, unfolded: they show the values go out neither encoded nor altered.
    const rawHeader = (key: string) =>
      parsed.headerLines.find((line) => line.key === key)?.line.replace(/\r\n(?=[ \t])/g, "");
    expect(rawHeader("list-unsubscribe")).toBe(`List-Unsubscribe: <${url}>`);
    expect(rawHeader("list-unsubscribe-post")).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    expect(rawHeader("x-broadcast-id")).toBe(`X-Broadcast-ID: ${broadcastId}`);
    expect(parsed.headers.get("list")).toMatchObject({ unsubscribe: { url } });
    expect(parsed.messageId).toMatch(/^<[^@\s]+@open-emr\.org>$/);
    expect(parsed.date).toBeInstanceOf(Date);
  });

  it("is accepted by SES SendRawEmail and arrives with subject, HTML and text", async () => {
    const subject = `Delivery check ${broadcastId}`;
    const { email, raw } = await compose(subject);
    const { MessageId } = await new SESClient({}).send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
    expect(MessageId).toBeTruthy();

    const store = (await (await fetch(`${inject("endpoints").ses}/store`)).json()) as {
      emails: { messageId: string; subject: string; body: { html?: string; text?: string } }[];
    };
    const stored = store.emails.find((stored) => stored.messageId === MessageId);
    expect(stored?.subject).toBe(subject);
    expect(stored?.body.html).toBe(email.html);
    expect(stored?.body.text).toBe(email.text);
  });
});
