import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ErrorHandler } from "hono";
import type { BlankEnv } from "hono/types";
import { describe, expect, it } from "vitest";
import { errorResponse, invalidRequestHook } from "./errors.ts";
import { lazyRoutes } from "./lazy-routes.ts";
import { PUBLIC } from "./openapi.ts";

const onError: ErrorHandler = (error, c) => {
  const { status, body, headers } = errorResponse(error);
  return c.json(body, status, headers);
};

/** An area with one route, `GET /things/{id}` (id at most 3 characters), counting its builds. */
function area() {
  const builds = { count: 0, failNext: false };
  const load = async () => {
    builds.count++;
    if (builds.failNext) {
      builds.failNext = false;
      throw new Error("chunk failed to load");
    }
    const things = new OpenAPIHono();
    const route = createRoute({
      method: "get",
      path: "/{id}",
      operationId: "thing",
      summary: "A thing",
      security: PUBLIC,
      request: { params: z.object({ id: z.string().max(3) }) },
      responses: { 200: { description: "The thing" } },
    });
    return things.openapi(route, (c) => c.json({ id: c.req.valid("param").id }, 200));
  };
  const app = new OpenAPIHono<BlankEnv>({ defaultHook: invalidRequestHook() });
  const things = lazyRoutes(
    { mount: "/things", patterns: ["/things", "/things/*"], load },
    {
      defaultHook: app.defaultHook,
      onError,
    },
  );
  for (const pattern of things.patterns) app.all(pattern, things.serve);
  app.all("*", (c) => c.json({ error: "NotFoundException" }, 404)).onError(onError);
  return { app, things, builds };
}

describe("lazyRoutes", () => {
  it("builds its area on the first request, once, however many come at once", async () => {
    const { app, builds } = area();
    expect(builds.count).toBe(0);
    const answers = await Promise.all(["/things/a", "/things/b", "/things/c"].map((path) => app.request(path)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await answers[1]!.json()).toEqual({ id: "b" });
    expect(builds.count).toBe(1);
  });

  it("hands a path the area has no route for to the app's next handler", async () => {
    const { app } = area();
    const answer = await app.request("/things/a/b");
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual({ error: "NotFoundException" });
    expect(answer.headers.get("x-oemr-no-route")).toBeNull();
  });

  it("answers an invalid path with the app's own hook and error handler, not zod's JSON", async () => {
    const { app } = area();
    const answer = await app.request("/things/abcd");
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: "InvalidRequestException" });
  });

  it("tries a failed load again on the next request", async () => {
    const { app, builds } = area();
    builds.failNext = true;
    expect((await app.request("/things/a")).status).toBe(500);
    expect((await app.request("/things/a")).status).toBe(200);
    expect(builds.count).toBe(2);
  });

  it("gives the area mounted where it belongs, its routes in the OpenAPI registry", async () => {
    const { things } = area();
    const routes = await things.routes();
    expect(routes.routes.some((route) => route.method === "GET" && route.path === "/things/:id")).toBe(true);
    const paths = routes.getOpenAPIDocument({ openapi: "3.0.3", info: { title: "t", version: "1" } }).paths;
    expect(Object.keys(paths ?? {})).toEqual(["/things/{id}"]);
  });
});
