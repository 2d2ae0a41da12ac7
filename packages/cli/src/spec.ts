import type { ProgramSpec } from "@oemr-reg/core/command-line";

/** Where the CLI looks when neither `--url` nor `OEMR_REG_URL` names a server (see server-url.ts). */
export const DEFAULT_URL = "http://localhost:3000";

/**
 * The CLI, as data: one description per command and option, from which the parser, `--help` and
 * the usage errors are made. A new command is an entry here, its schema in args.ts, and its case in main.ts.
 */
export const CLI: ProgramSpec = {
  name: "oemr-reg",
  summary: "the board's tools for OpenEMR announcements",
  options: {
    url: {
      type: "string",
      value: "<url>",
      description: `the server (default: $OEMR_REG_URL, else the npm start of this checkout, else ${DEFAULT_URL})`,
    },
    json: { type: "boolean", description: "JSON for scripts: one object per line on stdout" },
    help: { type: "boolean", short: "h", description: "this help; after a command, that command's" },
    version: { type: "boolean", description: "the CLI's version and the Node it runs on" },
    title: { type: "string", value: "<text>", description: "the subject of the email (at most 200 characters)" },
    file: { type: "string", value: "<file>", description: "the email's Markdown (or plain text), at most 200 KiB" },
    html: { type: "string", value: "<file>", description: "a custom HTML body instead (sanitized; text derived)" },
    "preview-html": {
      type: "string",
      value: "<file>",
      description: "where the HTML part is written to open in a browser (default broadcast-preview.html)",
    },
    yes: { type: "boolean", short: "y", description: "send without asking for confirmation" },
    "no-archive": { type: "boolean", description: "keep it out of the public archive and its feeds" },
    "below-version": {
      type: "string",
      value: "<v>",
      description: "only installations whose latest version is below v, in OpenEMR's order",
    },
    distribution: {
      type: "string",
      multiple: true,
      value: "<name>",
      description: "only this distribution (repeat, or separate with commas; unknown for none sent)",
    },
    once: { type: "boolean", description: "show the progress once, do not follow" },
    interval: { type: "string", value: "<seconds>", description: "how often to look at the progress (default 1)" },
    reason: { type: "string", value: "<text>", description: "why, for the record (at most 200 characters)" },
  },
  common: ["url", "json", "help"],
  programOnly: ["version"],
  commands: {
    count: {
      summary: "registrations and active subscribers",
      options: [],
      examples: ["oemr-reg count", "OEMR_REG_URL=https://register.open-emr.org oemr-reg count --json"],
    },
    usage: {
      summary: "what installations report of their use (last 90 days)",
      details: "Sites by version, country, distribution and PHP; modules, forms and API calls. Needs the PIN.",
      options: [],
      examples: ["oemr-reg usage", "oemr-reg usage --json"],
    },
    broadcast: {
      args: '--title "..." --file notice.md [--html notice.html] [--yes] [--no-archive]',
      summary: "preview, confirm, send, then follow it",
      details:
        "Renders the email as the senders do, says how many it reaches, asks for the PIN and for yes,\n" +
        "sends, then follows it to done. Ctrl-C stops following, not the broadcast.",
      options: [
        ...["title", "file", "html", "preview-html", "yes", "no-archive", "below-version", "distribution"],
        "interval",
      ],
      examples: [
        'oemr-reg broadcast --title "OpenEMR 7.0.3.4 security patch" --file notice.md',
        'oemr-reg broadcast --title "..." --file notice.md --below-version 7.0.3 --distribution docker',
        'oemr-reg broadcast --title "Test of the list" --file test.md --no-archive',
      ],
    },
    status: {
      args: "<broadcastId> [--once]",
      summary: "follow a broadcast until it is done",
      options: ["once", "interval"],
      examples: ["oemr-reg status 1f0c7a9e-...", "oemr-reg status 1f0c7a9e-... --once --json"],
    },
    resume: {
      args: "<broadcastId>",
      summary: "resume a broadcast that paused on bounces, and follow it",
      options: ["interval"],
      examples: ["oemr-reg resume 1f0c7a9e-..."],
    },
    erase: {
      args: '<address> [--reason "..."] [--yes]',
      summary: "erase an address on its owner's request (docs/privacy.md)",
      details: "Its registration, history and emails' records, for good; a keyed hash stays on a suppression list.",
      options: ["reason", "yes"],
      examples: ['oemr-reg erase admin@clinic.example.org --reason "letter of 2026-12-01"'],
    },
    draft: {
      args: "create|edit|show|list|delete|request-approval|approve|test|schedule|cancel [<draftId>] …",
      summary: "drafts: save, ask for approval, test, schedule, cancel; approval is in the console (a passkey)",
      details:
        "With your token (oemr-reg login). create/edit take --title, --file [--html] [--send-at <ISO time>];\n" +
        "schedule takes --at; test sends to you, or to --member <id> (repeat). approve approves nothing: it takes\n" +
        "a passkey, so it prints the draft's console page where another member approves, and exits 1.",
      options: [],
      examples: [
        'oemr-reg draft create --title "OpenEMR 7.0.3.4 security patch" --file notice.md',
        "oemr-reg draft request-approval 1f0c7a9e-...",
        "oemr-reg draft approve 1f0c7a9e-...",
      ],
    },
    login: {
      args: "[--url <url>]",
      summary: "keep a personal token: every command then sends it, not the PIN",
      options: [],
      examples: ["oemr-reg login --url https://register.open-emr.org"],
    },
    members: {
      args: "add --name … --email … --role admin | reinvite --email … [--aws --state-table … --public-url …]",
      summary: "the operator: invite a member, or invite again one who lost every passkey; print the link",
      options: [],
      examples: [
        'oemr-reg members add --name "Ada" --email ada@open-emr.org --role admin',
        "oemr-reg members reinvite --email ada@open-emr.org",
      ],
    },
    audit: {
      args: "verify | export [--json]",
      summary: "the operator: check the audit chain, or write it out",
      options: [],
      examples: ["oemr-reg audit verify", "oemr-reg audit export --json"],
    },
  },
  examples: ["oemr-reg count", "oemr-reg broadcast --help"],
  footer: `The PIN is asked for without showing it, or read from $OEMR_REG_PIN.
Exit status: 0 done, 1 cannot go on (a file, no terminal, nothing to resume), 2 usage, 3 wrong PIN,
4 locked out, 5 message refused, 6 server unreachable, 7 broadcast paused, 8 not confirmed (nothing sent),
9 no such broadcast or member, 10 the audit chain is broken, 130 stopped (Ctrl-C).`,
};
