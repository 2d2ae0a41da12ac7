#!/usr/bin/env node
// The project runs TypeScript as is: register tsx's loader, then run the CLI's entry.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
