/**
 * `npm run lint:openapi`: Redocly's recommended rules (and `redocly.yaml`) over the document the
 * app serves at `/api/openapi.json`, offline: no telemetry, no update check.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "@oemr-reg/core/http";
import { OPENAPI_PATH } from "@oemr-reg/core/http/app";

// A stage's URL as the lint sees it: `.invalid` is reserved (RFC 2606), and the rules refuse localhost.
const LINTED_URL = "https://registration.invalid";
// The document describes the routes, not data: no dependency is called to serve it.
const app = createApp({ secretPin: "", deadlineMs: 10_000, publicUrl: LINTED_URL } as Parameters<typeof createApp>[0]);
const served = await app.request(OPENAPI_PATH);
const folder = mkdtempSync(join(tmpdir(), "oemr-openapi-"));
const file = join(folder, "openapi.json");
writeFileSync(file, await served.text());
const lint = spawnSync("redocly", ["lint", file, "--config", "redocly.yaml", "--format", "stylish"], {
  stdio: "inherit",
  env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
});
rmSync(folder, { recursive: true });
process.exit(lint.status ?? 1);
