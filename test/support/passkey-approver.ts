import { createRequire } from "node:module";
import type { Role } from "@oemr-reg/core/members";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { Resource } from "sst";
import { expect } from "vitest";
import { virtualAuthenticator } from "./authenticator.ts";
import { browserForFile } from "./browser.ts";
import { consoleCsrf, memberCookie, memberWithToken } from "./member-session.ts";

// The UMD build: one script tag, `SimpleWebAuthnBrowser` global, as the console's own script is built from it.
const BROWSER_LIBRARY = createRequire(import.meta.url)
  .resolve("@simplewebauthn/browser")
  .replace(/script\/index\.js$/, "dist/bundle/index.umd.min.js");

/** A member as `memberWithToken` makes it: its id and the headers of its personal token. */
type TokenHolder = { id: string; headers: Record<string, string> };
export type ApprovalOptions = { contentHash: string; options: PublicKeyCredentialRequestOptionsJSON };
/** What `POST /api/drafts/{id}/approve` takes: the hash and the passkey's assertion over its bound challenge. */
export type Approval = { contentHash: string; assertion: AuthenticationResponseJSON };

/**
 * Members' real passkeys in Chromium's virtual authenticator, for tests that approve drafts as a
 * member does. The page stands at the stage's public URL (`https://reg.test.example.org`, which
 * the test answers itself, nothing goes to the network): WebAuthn's relying party is that host, and
 * the browser signs for the origin it is on. A passkey is added through the console's own routes
 * (`/console/passkeys/new/*`), an approval's options are asked of the API with the member's token.
 */
export async function passkeyApprovers(base: string) {
  const browser = await browserForFile();
  const context = await browser.newContext();
  const origin = new URL(Resource.Settings.publicUrl).origin;
  await context.route(`${origin}/**`, (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Passkeys</title>" }),
  );
  const page = await context.newPage();
  await virtualAuthenticator(context, page);
  await page.goto(`${origin}/`);
  await page.addScriptTag({ path: BROWSER_LIBRARY });
  const credentialOf = new Map<string, string>();

  // A page runs one WebAuthn ceremony at a time: the rest wait their turn.
  let turn: Promise<unknown> = Promise.resolve();
  function ceremony<T>(kind: "startRegistration" | "startAuthentication", optionsJSON: unknown): Promise<T> {
    const run = turn.then(() =>
      page.evaluate(
        ([name, options]) =>
          (globalThis as unknown as Record<string, Record<string, (arg: unknown) => Promise<unknown>>>)
            .SimpleWebAuthnBrowser![name]!({ optionsJSON: options }),
        [kind, optionsJSON] as const,
      ),
    );
    turn = run.catch(() => undefined);
    return run as Promise<T>;
  }

  const api = (who: TokenHolder, draftId: string, path: string, body?: unknown) =>
    fetch(`${base}/api/drafts/${draftId}/${path}`, {
      method: "POST",
      headers: who.headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });

  const approvers = {
    /** Gives the member a passkey as the console's "Add a passkey" does, signed in as that member. */
    async enrol(member: TokenHolder): Promise<void> {
      const cookie = await memberCookie(member.id);
      const csrf = await consoleCsrf(base, cookie);
      const post = (step: string, body: object) =>
        fetch(`${base}/console/passkeys/new/${step}`, {
          method: "POST",
          headers: { cookie, origin: base, "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ csrf, ...body }),
        });
      const asked = await post("options", {});
      expect(asked.status).toBe(200);
      const options = (await asked.json()) as PublicKeyCredentialCreationOptionsJSON;
      const response = await ceremony<RegistrationResponseJSON>("startRegistration", options);
      const added = await post("verify", { name: "Test passkey", response });
      expect(added.status, await added.clone().text()).toBe(200);
      credentialOf.set(member.id, response.id);
    },

    /** `memberWithToken`, with a passkey. */
    async withPasskey(name: string, roles: Role[]) {
      const member = await memberWithToken(name, roles);
      await approvers.enrol(member);
      return member;
    },

    /** The API's `approval-options` for the member, as its token asks them. */
    async options(member: TokenHolder, draftId: string): Promise<ApprovalOptions> {
      const answer = await api(member, draftId, "approval-options");
      expect(answer.status, await answer.clone().text()).toBe(200);
      return (await answer.json()) as ApprovalOptions;
    },

    /** The options signed by the member's passkey, or by `signer`'s passkey when named. */
    async sign({ contentHash, options }: ApprovalOptions, signer?: TokenHolder): Promise<Approval> {
      const allowCredentials = signer && [{ id: credentialOf.get(signer.id)!, type: "public-key" as const }];
      const assertion = await ceremony<AuthenticationResponseJSON>("startAuthentication", {
        ...options,
        ...(allowCredentials && { allowCredentials }),
      });
      return { contentHash, assertion };
    },

    /** Options asked and signed: an approval of the draft's current content by this member. */
    async approval(member: TokenHolder, draftId: string): Promise<Approval> {
      return approvers.sign(await approvers.options(member, draftId));
    },

    /** `POST /api/drafts/{id}/approve` with this approval, by default a new one of the draft's current content. */
    async approve(member: TokenHolder, draftId: string, approval?: Approval): Promise<Response> {
      return api(member, draftId, "approve", approval ?? (await approvers.approval(member, draftId)));
    },
  };
  return approvers;
}

export type PasskeyApprovers = Awaited<ReturnType<typeof passkeyApprovers>>;
