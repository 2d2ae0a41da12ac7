// Preloaded (`node --import`) into processes that run a bundled handler against the emulators:
// fauxqs names its queues `sqs.<region>.localhost`, which glibc does not resolve, and the SQS
// client sends to its queue URL's host. The local runner does the same with fauxqs's
// `interceptLocalhostDns`; this keeps the bundle's process free of anything but the bundle.
import dns from "node:dns";

const lookup = dns.lookup;
dns.lookup = function localhostLookup(hostname, options, callback) {
  if (typeof hostname === "string" && hostname.endsWith(".localhost")) {
    const done = typeof options === "function" ? options : callback;
    const all = typeof options === "object" && options?.all;
    return all ? done(null, [{ address: "127.0.0.1", family: 4 }]) : done(null, "127.0.0.1", 4);
  }
  return lookup.call(this, hostname, options, callback);
};
