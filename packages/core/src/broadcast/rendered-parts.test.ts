import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { renderBroadcast } from "../email/render.ts";
import { packRendered, renderAndPack, unpackRendered } from "./rendered-parts.ts";

describe("a broadcast's rendered parts", () => {
  it("come back as the senders' renderer made them", async () => {
    const content = { title: "OpenEMR 7.0.3.4", contents: "# Patch\n\nUpgrade **now**: <https://open-emr.org>" };
    expect(unpackRendered((await renderAndPack(content))!)).toEqual(renderBroadcast(content));
  });

  it("are not kept when they and the content would not fit one DynamoDB item", () => {
    // Random text hardly compresses: 200 KiB of it in both the Markdown and the HTML.
    const noise = randomBytes(150 * 1024).toString("base64");
    const content = { title: "Large", contents: noise, html: `<p>${noise}</p>` };
    expect(packRendered(content, { subject: "Large", html: `<p>${noise}</p>`, text: noise })).toBeUndefined();
    const small = { title: "Small", contents: "Patch now." };
    expect(packRendered(small, { subject: "Small", html: `<p>${noise}</p>`, text: noise })).toBeInstanceOf(Uint8Array);
  });
});
