import { tables as specs, type TableSpec } from "../packages/core/src/resources";
import { production } from "./config";
import { each } from "./each";

export const tables = each(specs, (name, spec: TableSpec) => {
  const keys = [spec.hashKey, ...(spec.rangeKey ? [spec.rangeKey] : [])];
  return new sst.aws.Dynamo(name, {
    fields: Object.fromEntries(keys.map((key) => [key, "string" as const])),
    primaryIndex: { hashKey: spec.hashKey, rangeKey: spec.rangeKey },
    ttl: spec.ttl,
    deletionProtection: production,
    transform: {
      table: (args, opts) => {
        // SST turns point-in-time recovery on for every stage; a throwaway stage does not need it.
        args.pointInTimeRecovery = { enabled: production };
        // Pulumi then refuses any change that would replace, and so empty, the table.
        if (production) opts.protect = true;
      },
    },
  });
});
