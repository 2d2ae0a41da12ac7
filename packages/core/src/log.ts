import { Logger } from "@aws-lambda-powertools/logger";

/**
 * One structured JSON logger for every handler. Addresses are logged only through `maskEmail`,
 * secrets never.
 */
export const logger = new Logger({ serviceName: "oemr-reg" });
