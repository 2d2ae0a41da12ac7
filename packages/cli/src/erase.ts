import { EmailAddress } from "@oemr-reg/core/address-schema";
import { z } from "zod";
import { type CommandContext, pinFrom } from "./commands.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import { confirm } from "./terminal.ts";

/** `oemr-reg erase <address>`: its own arguments, joined to the other commands' in args.ts. */
export const EraseArgs = z.strictObject({
  command: z.literal("erase"),
  email: EmailAddress,
  reason: z.string().trim().max(200, "--reason has at most 200 characters").optional(),
  yes: z.boolean().default(false),
});

/**
 * Erases an address on a request its owner made by other means (a letter, a ticket): asks for
 * `yes` unless `--yes`, then for the PIN. Erasing an unknown or erased address is no error.
 */
export async function erase(
  args: z.infer<typeof EraseArgs> & { json: boolean },
  context: CommandContext,
): Promise<ExitCode> {
  const { client, out = process.stdout, err = process.stderr } = context;
  const question = `Erase ${args.email}: its registration, history and emails' records, for good? Type yes to erase: `;
  if (!args.yes && !(await confirm(question))) {
    err.write("Not erased.\n");
    return EXIT.declined;
  }
  const outcome = await client.erase(args.email, args.reason, await pinFrom(context));
  const what = outcome.erased ? "Erased" : "Not registered (erased before, or never): its hash is on the list";
  out.write(
    args.json
      ? `${JSON.stringify(outcome)}\n`
      : `${what}; ${outcome.deleted} stored items deleted` +
          (outcome.left ? `, ${outcome.left} of a broadcast sending now left to expire` : "") +
          ". Registering it again waits for its owner's confirmation.\n",
  );
  return EXIT.ok;
}
