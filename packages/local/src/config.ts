import { z } from "zod";

const Port = z.coerce.number().int().min(1).max(65535);

/**
 * `npm start`'s settings, from the environment. Emulator ports follow `PORT`, so two checkouts
 * whose `PORT`s are at least four apart run side by side.
 */
export const LocalConfig = z
  .object({
    PORT: Port.default(3000),
    DATA_DIR: z.string().min(1).default(".data"),
    STAGE: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes")
      .default("local"),
    MAIL_PORT: Port.optional(),
    DYNAMODB_PORT: Port.optional(),
    SQS_PORT: Port.optional(),
    SES_SENDER: z.string().min(3).default("OpenEMR Announcements <noreply@open-emr.org>"),
    SES_SEND_RATE: z.coerce.number().int().min(1).max(10_000).default(14),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    REGISTRATION_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(20),
    USAGE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(60),
    USAGE_LIMIT_PER_DAY: z.coerce.number().int().min(1).default(10),
    USAGE_RETENTION_DAYS: z.coerce.number().int().min(1).default(400),
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(730),
    PIN_ROUTES: z.enum(["on", "off"]).default("on"),
    DELIVERY_RETENTION_DAYS: z.coerce.number().positive().default(90),
    HISTORY_RETENTION_DAYS: z.coerce.number().positive().default(730),
    // 0 is allowed here only, so that a newcomer's `npm start` can send alone; a deployed stage needs 1 or more.
    APPROVALS_REQUIRED: z.coerce.number().int().min(0).max(10).default(1),
    APPROVAL_HOURS: z.coerce.number().positive().default(72),
    SOURCE_IP_WHOLE_DAYS: z.coerce.number().positive().default(30),
  })
  .transform((env) => ({
    port: env.PORT,
    dataDir: env.DATA_DIR,
    stage: env.STAGE,
    mailer: { sender: env.SES_SENDER, configSet: "local" },
    settings: {
      sendRate: env.SES_SEND_RATE,
      publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
      registrationLimitPerHour: env.REGISTRATION_LIMIT_PER_HOUR,
      usageLimitPerHour: env.USAGE_LIMIT_PER_HOUR,
      usageLimitPerDay: env.USAGE_LIMIT_PER_DAY,
      usageRetentionDays: env.USAGE_RETENTION_DAYS,
      auditRetentionDays: env.AUDIT_RETENTION_DAYS,
      pinRoutes: env.PIN_ROUTES === "on",
      deliveryRetentionDays: env.DELIVERY_RETENTION_DAYS,
      historyRetentionDays: env.HISTORY_RETENTION_DAYS,
      approvalsRequired: env.APPROVALS_REQUIRED,
      approvalHours: env.APPROVAL_HOURS,
      sourceIpWholeDays: env.SOURCE_IP_WHOLE_DAYS,
    },
    ports: {
      ses: env.MAIL_PORT ?? env.PORT + 1,
      dynamodb: env.DYNAMODB_PORT ?? env.PORT + 2,
      sqs: env.SQS_PORT ?? env.PORT + 3,
    },
  }));

export type LocalConfig = z.output<typeof LocalConfig>;
