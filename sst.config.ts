/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  async app(input) {
    // SST rejects static imports in this file; a dynamic one is bundled like any module.
    const { appName } = await import("./packages/core/src/resources");
    const production = input?.stage === "production";
    return {
      name: appName,
      home: "aws",
      // Production keeps its tables (with their data) even if the stack is removed, and refuses `sst remove`.
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    const { tables } = await import("./infra/storage");
    await import("./infra/secrets");
    const { api } = await import("./infra/api");
    const { mailer, topics } = await import("./infra/email");
    const { queues, subscriberFailures } = await import("./infra/queues");
    await import("./infra/functions");
    await import("./infra/crons");
    const { alarms } = await import("./infra/alarms");
    // What docs/operations.md's Deploy section uses: the API, the SES identity, and what to restore or redrive.
    return {
      api: api.url,
      sender: mailer.sender,
      configSet: mailer.configSet,
      sesEventsTopic: topics.SesEvents.arn,
      alarmsTopic: alarms.arn,
      registrationsTable: tables.Registrations.name,
      stateTable: tables.State.name,
      fanoutDlq: queues.FanoutDlq.arn,
      sendDlq: queues.SendDlq.arn,
      sesEventsFailures: subscriberFailures.SesEventsHandler.arn,
    };
  },
});
