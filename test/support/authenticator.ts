import type { BrowserContext, CDPSession, Page } from "playwright-core";

/** A credential as the DevTools Protocol's `WebAuthn` domain gives and takes it. */
export type VirtualCredential = {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
};

/**
 * A virtual passkey authenticator in the page (DevTools Protocol `WebAuthn`): user verification
 * passes, credentials are discoverable. `swap()` replaces it by a new empty one, so that a test can
 * make a second passkey the first would be excluded from, or hold exactly the credentials it chooses.
 */
export async function virtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp: CDPSession = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const add = async () =>
    (
      await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: {
          protocol: "ctap2",
          transport: "internal",
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
        },
      })
    ).authenticatorId;
  let authenticatorId = await add();
  return {
    async credentials(): Promise<VirtualCredential[]> {
      return (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials as VirtualCredential[];
    },
    async removeCredential(credentialId: string) {
      await cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId });
    },
    async addCredential(credential: VirtualCredential) {
      await cdp.send("WebAuthn.addCredential", { authenticatorId, credential });
    },
    async swap() {
      await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
      authenticatorId = await add();
    },
  };
}
