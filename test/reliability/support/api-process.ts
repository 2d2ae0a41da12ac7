/**
 * The API function alone, in a process of its own, linked by the environment it inherits from the
 * test (`SST_RESOURCE_*` and the emulators' endpoints), so that a load test's client does not share
 * the server's event loop, as no caller of API Gateway does.
 * @module
 */
import { stack } from "@oemr-reg/core/resources";
import { serveApi } from "@oemr-reg/local/serve-api";
import { interceptLocalhostDns } from "fauxqs";

interceptLocalhostDns();
const { port } = await serveApi(stack, 0);
console.log(`API: http://127.0.0.1:${port}`);
