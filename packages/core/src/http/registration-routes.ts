import { Hono } from "hono";
import { logger } from "../log.ts";
import { maskEmail, register, RegistrationRequest, type RegistrationStore } from "../registration/index.ts";
import { limitBody, readBody } from "./body.ts";
import { clientIp } from "./client-ip.ts";
import { ApiError, invalidInput } from "./errors.ts";

export type RegistrationRoutesDeps = {
  registrations: RegistrationStore;
  now: () => Date;
};

export const MAX_REGISTRATION_BYTES = 16 * 1024;

export function registrationRoutes({ registrations, now }: RegistrationRoutesDeps) {
  return new Hono()
    .post("/", limitBody(MAX_REGISTRATION_BYTES), async (c) => {
      const request = parseRegistration(await readBody(c));
      const { productId } = await register(registrations, request, { sourceIp: clientIp(c), now: now() });
      logger.info("registered", { email: maskEmail(request.email), version: request.version });
      return c.json({ productId }, 201);
    })
    .get("/unique", async (c) => c.json({ count: await registrations.count() }));
}

function parseRegistration(body: unknown): RegistrationRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "MalformedRequestException", "The body must be an object with an email field");
  }
  const result = RegistrationRequest.safeParse(body);
  if (result.success) return result.data;
  const emailIsWrong = result.error.issues.some((issue) => issue.path[0] === "email");
  throw invalidInput(emailIsWrong ? "InvalidEmailException" : "InvalidRequestException", result.error);
}
