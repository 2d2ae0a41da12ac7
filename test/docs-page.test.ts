import { app } from "@oemr-reg/functions/api";
import type { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { browserForFile, expectAccessible } from "./support/browser.ts";
import { openApiDocument } from "./support/contract.ts";
import { serveForFile } from "./support/serve.ts";

const base = await serveForFile(app as unknown as Hono);
const browser = await browserForFile();

type Schema = { $ref?: string; properties?: Record<string, unknown> };
const schemas = (openApiDocument.components as { schemas: Record<string, Schema> }).schemas;
const resolve = (schema: Schema): Schema => (schema.$ref ? resolve(schemas[schema.$ref.split("/").pop()!]!) : schema);

describe("GET /api/docs in Chromium", () => {
  it("shows every request body's fields, never a bare $ref, and is accessible", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${base}/api/docs`);
    expect(response?.status()).toBe(200);
    expect(await page.locator("main").textContent()).not.toContain("$ref");
    let bodies = 0;
    for (const [path, item] of Object.entries(openApiDocument.paths))
      for (const [method, operation] of Object.entries(item)) {
        const content = (operation as { requestBody?: { content: Record<string, { schema: Schema }> } }).requestBody
          ?.content;
        if (!content) continue;
        const heading = page.getByRole("heading", { name: `${method} ${path}`, exact: true });
        const section = page.locator("section").filter({ has: heading });
        expect(await section.count(), `${method} ${path}`).toBe(1);
        const shown = await section.locator("td > code").allInnerTexts();
        for (const { schema } of Object.values(content)) {
          for (const field of Object.keys(resolve(schema).properties ?? {})) {
            expect(shown, `${method} ${path}`).toContain(field);
            bodies++;
          }
        }
      }
    expect(bodies).toBeGreaterThan(20);
    const email = page
      .locator("section")
      .filter({ has: page.getByRole("heading", { name: "post /api/registration", exact: true }) });
    expect(await email.textContent()).toContain("format: email");
    await expectAccessible(page);
    await context.close();
  });
});
