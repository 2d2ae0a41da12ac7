/**
 * `oemr-reg draft …`: drafts through the API with the member's token (`oemr-reg login`, or
 * `$OEMR_REG_TOKEN`): saved, shown, sent for approval, tested, scheduled, cancelled. Approving
 * takes the approver's passkey, which a terminal has not: `approve` points to the console.
 * @module
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { createApiClient } from "./api.ts";
import { savedToken } from "./credentials.ts";
import { CliError, EXIT, type ExitCode } from "./exit-codes.ts";
import { consoleDraftUrl, serverUrl } from "./server-url.ts";

const SUBCOMMANDS = [
  "create",
  "edit",
  "show",
  "list",
  "delete",
  "request-approval",
  "approve",
  "test",
  "schedule",
  "cancel",
];
const Summary = z.looseObject({
  draftId: z.string(),
  state: z.string(),
  title: z.string(),
  contentHash: z.string(),
  sendAt: z.string().optional(),
  broadcastId: z.string().optional(),
  approvalRequest: z.looseObject({ reach: z.looseObject({ reached: z.number() }) }).optional(),
});
const Answer = z.looseObject({});

export async function draftCommand(argv: string[], env: NodeJS.ProcessEnv, out = process.stdout): Promise<ExitCode> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          url: { type: "string" },
          json: { type: "boolean" },
          title: { type: "string" },
          file: { type: "string" },
          html: { type: "string" },
          "send-at": { type: "string" },
          at: { type: "string" },
          member: { type: "string", multiple: true },
        },
      });
    } catch (error) {
      throw new CliError(EXIT.usage, `${(error as Error).message}. Run oemr-reg draft --help.`);
    }
  })();
  const [sub, id, ...extra] = positionals;
  if (!sub || !SUBCOMMANDS.includes(sub) || extra.length > 0 || (sub !== "create" && sub !== "list" && !id))
    throw new CliError(EXIT.usage, `oemr-reg draft ${SUBCOMMANDS.join("|")} [<draftId>]. Run oemr-reg draft --help.`);
  const url = serverUrl(values.url, env).replace(/\/+$/, "");
  const token = await savedToken(env, url);
  const credential: Record<string, string> = token
    ? { authorization: `Bearer ${token}` }
    : env.OEMR_REG_PIN
      ? { "x-secret-pin": env.OEMR_REG_PIN }
      : raise(new CliError(EXIT.wrongPin, "No token for this server: run oemr-reg login first."));
  const client = createApiClient(url);
  const path = `/api/drafts${id ? `/${encodeURIComponent(id)}` : ""}`;
  const send = <T>(schema: z.ZodType<T>, suffix: string, method: string, body?: unknown) =>
    client.request(schema, `${path}${suffix}`, {
      method,
      headers: { ...credential, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  const content = async () => ({
    title: values.title ?? raise(new CliError(EXIT.usage, "--title is required")),
    contents: await read(values.file ?? raise(new CliError(EXIT.usage, "--file is required"))),
    ...(values.html && { html: await read(values.html) }),
    ...(values["send-at"] && { sendAt: values["send-at"] }),
  });
  const show = (draft: z.infer<typeof Summary>, lead = "Draft") => {
    if (values.json) return out.write(`${JSON.stringify(draft)}\n`);
    const when = draft.sendAt ? `, embargoed until ${draft.sendAt}` : "";
    const started = draft.broadcastId ? `, broadcast ${draft.broadcastId}` : "";
    out.write(
      `${lead} ${draft.draftId}: "${draft.title}" is ${draft.state}${when}${started} (hash ${draft.contentHash})\n`,
    );
  };

  switch (sub) {
    case "create":
      show(await send(Summary, "", "POST", await content()), "Saved draft");
      break;
    case "edit":
      show(await send(Summary, "", "PUT", await content()), "Saved draft");
      break;
    case "schedule": {
      const current = await send(
        z.looseObject({
          title: z.string(),
          contents: z.string(),
          html: z.string().optional(),
          audience: z.unknown().optional(),
        }),
        "",
        "GET",
      );
      const at = values.at ?? raise(new CliError(EXIT.usage, "--at <ISO time with offset> is required"));
      show(await send(Summary, "", "PUT", { ...current, sendAt: at }), "Scheduled draft (ask for approval again)");
      break;
    }
    case "show":
      show(await send(Summary, "", "GET"));
      break;
    case "list": {
      const { drafts } = await send(z.object({ drafts: z.array(Summary) }), "", "GET");
      if (values.json) out.write(`${JSON.stringify(drafts)}\n`);
      else for (const draft of drafts) show(draft);
      break;
    }
    case "delete":
      await client.request(z.unknown(), path, { method: "DELETE", headers: credential }).catch((error: unknown) => {
        // 204 has no JSON body: only a refusal is an error.
        if (error instanceof CliError && error.exitCode !== EXIT.unavailable) throw error;
      });
      out.write(values.json ? `${JSON.stringify({ deleted: id })}\n` : `Deleted draft ${id}.\n`);
      break;
    case "request-approval":
      show(await send(Summary, "/request-approval", "POST"), "Approval asked for draft");
      break;
    case "approve": {
      // A token alone approves nothing (a stolen one must not): the member's passkey signs in a browser.
      const draft = await send(Summary, "", "GET");
      throw new CliError(
        EXIT.failed,
        `Not approved: approving takes your passkey, which this terminal has not. Draft ${draft.draftId} is ` +
          `${draft.state} (hash ${draft.contentHash}); approve it in the console:\n` +
          `  ${consoleDraftUrl(url, draft.draftId)}`,
      );
    }
    case "test": {
      const result = await send(Answer, "/test", "POST", values.member ? { memberIds: values.member } : undefined);
      out.write(values.json ? `${JSON.stringify(result)}\n` : `Test sent: ${JSON.stringify(result)}\n`);
      break;
    }
    case "cancel":
      show(await send(Summary, "/cancel", "POST"), "Cancelled draft");
      break;
  }
  return EXIT.ok;
}

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new CliError(EXIT.failed, `Cannot read ${file}.`);
  }
}

function raise(error: Error): never {
  throw error;
}
