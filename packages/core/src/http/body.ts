import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors.ts";
import { FORM, JSON_TYPE } from "./media-types.ts";

/** Refuses a body over `maxBytes` with a 413 before anything reads it. */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, "PayloadTooLargeException", `The body is larger than ${maxBytes} bytes`);
    },
  });
}

/**
 * The request body as plain data, read by its Content-Type: OpenEMR posts a form, older clients
 * post JSON, and both must reach the same schema. A form's field named in `lists` keeps every
 * value, as an array; any other keeps its last.
 */
export async function readBody(c: Context, { lists = [] }: { lists?: string[] } = {}): Promise<unknown> {
  const mediaType = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (mediaType === FORM) {
    const form = new URLSearchParams(await c.req.text());
    const fields: Record<string, string | string[]> = Object.fromEntries(form);
    for (const name of lists) if (form.has(name)) fields[name] = form.getAll(name);
    return fields;
  }
  if (mediaType === JSON_TYPE || mediaType?.endsWith("+json")) {
    return parseJson(await c.req.text());
  }
  throw new ApiError(415, "UnsupportedMediaTypeException", `Send the body as ${FORM} or ${JSON_TYPE}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "MalformedRequestException", "The body is not valid JSON");
  }
}
