/**
 * The operator's commands, straight to the stack's tables with the stack's own credentials, as
 * `npm run backfill-counters` reaches them: `npm start`'s tables on this machine, or with `--aws`
 * and the table's name, a deployed stack's. `members add` makes a board's first member; `members
 * reinvite` gives a member who lost every passkey a new invitation.
 * @module
 */
import { parseArgs } from "node:util";
import { maskEmail } from "@oemr-reg/core/address";
import { createAuditLog } from "@oemr-reg/core/audit";
import { createDocumentClient } from "@oemr-reg/core/aws/dynamo";
import { createMemberStore, Roles } from "@oemr-reg/core/members";
import { appName } from "@oemr-reg/core/resources";
import { useEmulators } from "@oemr-reg/local/aws-env";
import { LocalConfig } from "@oemr-reg/local/config";
import { z } from "zod";
import { CliError, EXIT, type ExitCode } from "./exit-codes.ts";

const OPTIONS = {
  aws: { type: "boolean" },
  stage: { type: "string" },
  "state-table": { type: "string" },
  "public-url": { type: "string" },
  "retention-days": { type: "string" },
  name: { type: "string" },
  email: { type: "string" },
  role: { type: "string", multiple: true },
  json: { type: "boolean" },
} as const;

const Target = z
  .object({
    aws: z.boolean().default(false),
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .optional(),
    "state-table": z.string().min(3).optional(),
    "public-url": z.url({ protocol: /^https?$/ }).optional(),
    "retention-days": z.coerce.number().int().min(1).default(730),
  })
  .refine((args) => !args.aws || args["state-table"], { message: "--aws needs --state-table (the stateTable output)" });

const NewMember = z.object({
  name: z.string({ error: "--name is required" }).trim().min(1).max(100),
  email: z.email({ error: "--email must be an email address" }),
  role: z
    .array(z.string(), { error: "--role is required: compose, approve or admin (repeat it for several)" })
    .transform((roles) => roles.flatMap((role) => role.split(",")))
    .pipe(Roles),
});

/** The State table and the public URL of the stack the options name. */
function stackOf(target: z.output<typeof Target>) {
  if (target.aws) return { stateTable: target["state-table"]!, publicUrl: target["public-url"] };
  const config = LocalConfig.parse(process.env);
  useEmulators({ dynamodb: `http://localhost:${config.ports.dynamodb}`, sqs: "", sns: "", ses: "" });
  const stateTable = target["state-table"] ?? `${appName}-${target.stage ?? config.stage}-State`;
  return { stateTable, publicUrl: target["public-url"] ?? config.settings.publicUrl };
}

function parse<T extends z.ZodType>(schema: T, values: unknown): z.output<T> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new CliError(EXIT.usage, parsed.error.issues[0]!.message);
  return parsed.data;
}

/** The invitation link a member's token opens on this stage. */
const invitationLink = (publicUrl: string, token: string) =>
  `${publicUrl.replace(/\/+$/, "")}/console/invitation/${token}`;

/** `oemr-reg members add …`, `members reinvite --email …`, `audit verify`, `audit export [--json]`. */
export async function operatorCommand(argv: string[], out = process.stdout): Promise<ExitCode> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(EXIT.usage, (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [area, action, ...extra] = positionals;
  const { name, email, role, json, ...rest } = values;
  const target = parse(Target, rest);
  const { stateTable, publicUrl } = stackOf(target);
  const db = createDocumentClient();
  const audit = createAuditLog({ db, stateTable, retentionDays: target["retention-days"] });
  const command = `${area} ${action}${extra.length ? ` ${extra.join(" ")}` : ""}`;

  if (command.startsWith("members ") && !publicUrl)
    throw new CliError(EXIT.usage, "--aws needs --public-url: the stage's PUBLIC_URL");
  if (command === "members add") {
    const fields = parse(NewMember, { name, email, role });
    const { member, invitation } = await createMemberStore({ db, stateTable }).add({ ...fields, roles: fields.role });
    await audit.record({
      actor: { kind: "system" },
      action: "member.invited",
      object: `${member.id} ${maskEmail(member.email)}`,
    });
    const link = invitationLink(publicUrl!, invitation.token);
    out.write(
      json
        ? `${JSON.stringify({ memberId: member.id, roles: member.roles, invitation: link })}\n`
        : `Invited ${member.name} (${member.roles.join(", ")}). Send them this link; it works once, for 24 hours:\n` +
            `${link}\n`,
    );
    return EXIT.ok;
  }
  if (command === "members reinvite") {
    const address = parse(NewMember.shape.email, email).toLowerCase();
    const store = createMemberStore({ db, stateTable });
    const found = (await store.list()).find((member) => member.email.toLowerCase() === address);
    const invitation = found && (await store.reinvite(found.id));
    if (!found || !invitation) throw new CliError(EXIT.notFound, "No member, or only a revoked one, has this address");
    await audit.record({
      actor: { kind: "system" },
      action: "member.reinvited",
      object: `${found.id} ${maskEmail(found.email)}`,
    });
    const link = invitationLink(publicUrl!, invitation.token);
    out.write(
      json
        ? `${JSON.stringify({ memberId: found.id, invitation: link })}\n`
        : `A new invitation for ${found.name}: their passkeys stay until they remove them. ` +
            `The link works once, for 24 hours:\n${link}\n`,
    );
    return EXIT.ok;
  }
  if (command === "audit verify") {
    const result = await audit.verify();
    if (result.ok) {
      out.write(`The audit log holds: ${result.records} records, from #${result.firstSeq ?? "-"}, each fits.\n`);
      return EXIT.ok;
    }
    out.write(`Record #${result.seq} does not fit: ${result.reason}.\n`);
    return EXIT.auditBroken;
  }
  if (command === "audit export") {
    const records = await audit.all();
    if (json) out.write(`${JSON.stringify(records)}\n`);
    else
      for (const { seq, at, actor, action, object } of records)
        out.write(`${seq}\t${at}\t${actor.kind === "member" ? actor.name : actor.kind}\t${action}\t${object ?? ""}\n`);
    return EXIT.ok;
  }
  throw new CliError(EXIT.usage, `Unknown command "${command}". Run oemr-reg --help.`);
}
