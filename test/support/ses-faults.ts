import { type FaultRule, type SesProxy, startSesProxy } from "@oemr-reg/local/ses-proxy";
import { afterAll } from "vitest";

/**
 * The harness's SES proxy in front of the SES emulator, answering the SendRawEmail calls `rule`
 * picks with the error SES itself would return, until the test file ends.
 */
export async function startSesFaultProxy(target: string, rule: FaultRule): Promise<SesProxy> {
  const proxy = await startSesProxy(target, { fault: rule });
  afterAll(() => proxy.close());
  return proxy;
}
