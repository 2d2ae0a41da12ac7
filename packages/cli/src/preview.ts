import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  BroadcastMessage,
  InvalidEmailMessageError,
  personalize,
  privacyUrl,
  unsubscribeUrl,
} from "@oemr-reg/core/email";
import { renderBroadcast } from "@oemr-reg/core/email/render";
import { CliError, EXIT } from "./exit-codes.ts";

export type Preview = {
  message: BroadcastMessage;
  subject: string;
  text: string;
  /** Where the HTML part was written, absolute. */
  htmlFile: string;
};

/**
 * The email as recipients will get it, made by the very code the senders run (`renderBroadcast`,
 * then `personalize`), with a sample unsubscribe link where each recipient gets their own.
 */
export async function previewBroadcast(
  { title, file, html, previewHtml }: { title: string; file: string; html?: string; previewHtml: string },
  serverUrl: string,
): Promise<Preview> {
  const parsed = BroadcastMessage.safeParse({
    title,
    contents: await readText(file),
    html: html === undefined ? undefined : await readText(html),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(EXIT.invalidMessage, `The message cannot be sent: ${issue.message} (${issue.path.join(".")}).`);
  }
  let rendered: ReturnType<typeof renderBroadcast>;
  try {
    rendered = renderBroadcast(parsed.data);
  } catch (error) {
    if (error instanceof InvalidEmailMessageError)
      throw new CliError(EXIT.invalidMessage, `The message cannot be sent: ${error.message}.`);
    throw error;
  }
  const email = personalize(rendered, {
    unsubscribeUrl: unsubscribeUrl(serverUrl, "each-recipient-gets-their-own-link"),
    privacyUrl: privacyUrl(serverUrl, "each-recipient-gets-their-own-link"),
  });
  const htmlFile = resolve(previewHtml);
  await writeFile(htmlFile, email.html);
  return { message: parsed.data, subject: email.subject, text: email.text, htmlFile };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliError(
      EXIT.failed,
      code === "ENOENT" ? `No file named ${path}.` : `Cannot read ${path} (${code ?? String(error)}).`,
    );
  }
}
