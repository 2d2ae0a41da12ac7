#!/usr/bin/env node
// `npx oemr-reg` in this checkout: the CLI workspace's own entry.
import "../packages/cli/bin/oemr-reg.js";
