/**
 * The HTTP API, built once and served by Lambda and by the local runner alike.
 * @module
 */
export { type AppDeps, createApp } from "./app.ts";
export { ApiError, type ErrorBody } from "./errors.ts";
