/**
 * The console's one script, for the passkey pages only (bundled by `npm run build:console-script`
 * into `src/http/console/webauthn-script.ts`). A button `[data-webauthn]` names its ceremony
 * ("register", "authenticate", or "approve", whose answer carries the button's content hash) and
 * its two URLs: on a click it asks the options of the first, lets the browser create or use a
 * passkey, posts the answer to the second and follows where the server sends it. What goes wrong is
 * said in the page's `[aria-live]` element. The buttons come disabled: without this script they do nothing.
 */
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";

type Answer = { redirect?: string; message?: string };

async function post(url: string, body: Record<string, unknown>): Promise<Answer & { ok: boolean }> {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  const json = response.headers.get("content-type")?.includes("application/json");
  const answer: Answer = json ? await response.json() : {};
  return { ok: response.ok, ...answer, message: answer.message ?? `The server answered ${response.status}` };
}

async function ceremony(button: HTMLButtonElement, say: (text: string) => void): Promise<void> {
  const { webauthn, options, verify, csrf = "", hash } = button.dataset;
  if (!options || !verify) return;
  const name = document.querySelector<HTMLInputElement>("#passkey-name")?.value ?? "";
  const asked = await post(options, { csrf });
  if (!asked.ok) return say(asked.message ?? "");
  const optionsJSON = asked as never;
  const response =
    webauthn === "register" ? await startRegistration({ optionsJSON }) : await startAuthentication({ optionsJSON });
  const done = await post(verify, { csrf, name, response, ...(hash && { contentHash: hash }) });
  if (!done.ok || !done.redirect) return say(done.message ?? "");
  window.location.assign(done.redirect);
}

for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-webauthn]")) {
  const status = document.querySelector<HTMLElement>("[aria-live]");
  const say = (text: string) => {
    if (status) status.textContent = text;
  };
  button.disabled = false;
  button.addEventListener("click", () => {
    button.disabled = true;
    say("");
    ceremony(button, say)
      .catch((error: Error) => say(error.name === "NotAllowedError" ? "The passkey was not used." : error.message))
      .finally(() => {
        button.disabled = false;
      });
  });
}
