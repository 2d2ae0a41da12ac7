/** Requests a second and burst API Gateway lets through to one route before it answers 429. */
export type RouteThrottle = { rate: number; burst: number };

/**
 * Every route of the HTTP API, in API Gateway's syntax, with its own throttle, so that a flood on
 * one route cannot starve another (one bucket for the whole API would). `POST /api/registration`
 * has none here: it takes the stage's throttle, sized for the seed's load test (infra/config.ts).
 * Anything else reaches `$default`, where the app answers 404.
 */
export const apiRoutes = {
  "POST /api/registration": undefined,
  "GET /api/registration/unique": { rate: 50, burst: 100 },
  // A scan of every registration, behind the PIN.
  "GET /api/registration/versions": { rate: 1, burst: 5 },
  "GET /api/registration/audience": { rate: 1, burst: 5 },
  "POST /api/registration/broadcast": { rate: 1, burst: 5 },
  "GET /api/registration/broadcast/{broadcastId}": { rate: 10, burst: 20 },
  "POST /api/registration/broadcast/{broadcastId}/resume": { rate: 1, burst: 5 },
  "POST /api/registration/broadcast/{broadcastId}/cancel": { rate: 1, burst: 5 },
  // Drafts: a few members, by hand or the CLI; a request for approval and its start each scan the list.
  "GET /api/drafts": { rate: 5, burst: 10 },
  "POST /api/drafts": { rate: 2, burst: 10 },
  "GET /api/drafts/{draftId}": { rate: 5, burst: 10 },
  "PUT /api/drafts/{draftId}": { rate: 2, burst: 10 },
  "DELETE /api/drafts/{draftId}": { rate: 2, burst: 10 },
  "POST /api/drafts/{draftId}/request-approval": { rate: 1, burst: 5 },
  "POST /api/drafts/{draftId}/approval-options": { rate: 1, burst: 5 },
  "POST /api/drafts/{draftId}/approve": { rate: 1, burst: 5 },
  "POST /api/drafts/{draftId}/cancel": { rate: 1, burst: 5 },
  "POST /api/drafts/{draftId}/test": { rate: 1, burst: 5 },
  // One-click unsubscribes arrive as mail providers process a broadcast.
  "GET /api/registration/unsubscribe/{token}": { rate: 200, burst: 400 },
  "POST /api/registration/unsubscribe/{token}": { rate: 200, burst: 400 },
  "GET /api/registration/confirm/{token}": { rate: 50, burst: 100 },
  "POST /api/registration/confirm/{token}": { rate: 50, burst: 100 },
  // The owner's page, from each email's footer; its erase deletes a few dozen items.
  "GET /api/registration/privacy/{token}": { rate: 20, burst: 40 },
  "GET /api/registration/privacy/{token}/download": { rate: 10, burst: 20 },
  "POST /api/registration/privacy/{token}/unsubscribe": { rate: 10, burst: 20 },
  "POST /api/registration/privacy/{token}/erase": { rate: 5, burst: 10 },
  // The board's erase, behind the PIN.
  "POST /api/registration/erase": { rate: 1, burst: 5 },
  // Each OpenEMR site reports every 33 days.
  "POST /api/usage": { rate: 200, burst: 400 },
  "GET /api/usage/summary": { rate: 1, burst: 5 },
  "GET /api/members/me": { rate: 5, burst: 10 },
  "GET /": { rate: 20, burst: 40 },
  "GET /api/health": { rate: 20, burst: 40 },
  "GET /api/openapi.json": { rate: 10, burst: 20 },
  "GET /api/docs": { rate: 10, burst: 20 },
  // The board's console: a few people, by hand; the login is the PIN guard's too.
  "GET /console": { rate: 5, burst: 10 },
  "GET /console/login": { rate: 5, burst: 10 },
  // A scan of every registration, as GET /api/registration/versions.
  "GET /console/versions": { rate: 1, burst: 5 },
  "POST /console/login": { rate: 1, burst: 5 },
  "POST /console/logout": { rate: 1, burst: 5 },
  "GET /console/broadcasts": { rate: 5, burst: 10 },
  "GET /console/broadcasts/{id}": { rate: 5, burst: 10 },
  "POST /console/broadcasts/{id}/resume": { rate: 1, burst: 5 },
  "POST /console/broadcasts/{id}/cancel": { rate: 1, burst: 5 },
  "GET /console/broadcasts/new": { rate: 5, burst: 10 },
  // Each a scan of every registration (the audience's reach), as GET /api/registration/audience.
  "POST /console/broadcasts/new/preview": { rate: 1, burst: 5 },
  "POST /console/broadcasts/new/confirm": { rate: 1, burst: 5 },
  "POST /console/broadcasts": { rate: 1, burst: 5 },
  // Drafts, as /api/drafts: a few members, by hand; asking for approval scans the list (the reach).
  "GET /console/drafts": { rate: 5, burst: 10 },
  "GET /console/drafts/new": { rate: 5, burst: 10 },
  "POST /console/drafts": { rate: 2, burst: 10 },
  "GET /console/drafts/{id}": { rate: 5, burst: 10 },
  "POST /console/drafts/{id}": { rate: 2, burst: 10 },
  "POST /console/drafts/{id}/delete": { rate: 2, burst: 10 },
  "POST /console/drafts/{id}/request-approval": { rate: 1, burst: 5 },
  "POST /console/drafts/{id}/cancel": { rate: 1, burst: 5 },
  "POST /console/drafts/{id}/test": { rate: 1, burst: 5 },
  // An approval's passkey ceremony: two posts, as the sign-in's.
  "POST /console/drafts/{id}/approval/options": { rate: 1, burst: 5 },
  "POST /console/drafts/{id}/approval/verify": { rate: 1, burst: 5 },
  // A member's own tokens, and an admin's members: a few people, by hand.
  "GET /console/tokens": { rate: 5, burst: 10 },
  "POST /console/tokens": { rate: 1, burst: 5 },
  "POST /console/tokens/{tokenId}/revoke": { rate: 1, burst: 5 },
  "GET /console/members": { rate: 5, burst: 10 },
  "POST /console/members": { rate: 1, burst: 5 },
  "POST /console/members/{memberId}/revoke": { rate: 1, burst: 5 },
  "POST /console/members/{memberId}/reinvite": { rate: 1, burst: 5 },
  "POST /console/members/{memberId}/roles": { rate: 1, burst: 5 },
  // Its first page reads every kept record, to check the chain.
  "GET /console/audit": { rate: 1, burst: 5 },
  // Passkeys: a few people, by hand, two posts a ceremony; the script is cached an hour.
  "GET /console/webauthn.js": { rate: 5, burst: 10 },
  "POST /console/login/passkey/options": { rate: 2, burst: 10 },
  "POST /console/login/passkey/verify": { rate: 2, burst: 10 },
  "GET /console/invitation/{token}": { rate: 1, burst: 5 },
  "POST /console/invitation/{token}/options": { rate: 1, burst: 5 },
  "POST /console/invitation/{token}/verify": { rate: 1, burst: 5 },
  "GET /console/passkeys": { rate: 5, burst: 10 },
  "POST /console/passkeys/new/options": { rate: 1, burst: 5 },
  "POST /console/passkeys/new/verify": { rate: 1, burst: 5 },
  "POST /console/passkeys/remove": { rate: 1, burst: 5 },
  // Public keys: fetched by mail clients and gpg when an announcement arrives; cached an hour.
  "GET /announcements/key.asc": { rate: 20, burst: 40 },
  "GET /announcements/keys": { rate: 20, burst: 40 },
  "GET /.well-known/openpgpkey/hu/{hash}": { rate: 20, burst: 40 },
  "GET /.well-known/openpgpkey/policy": { rate: 20, burst: 40 },
  // The public archive: read by people and feed readers, cached five minutes.
  "GET /announcements": { rate: 20, burst: 40 },
  "GET /announcements/feed.atom": { rate: 20, burst: 40 },
  "GET /announcements/feed.json": { rate: 20, burst: 40 },
  "GET /announcements/{id}": { rate: 20, burst: 40 },
  $default: { rate: 10, burst: 20 },
} as const satisfies Record<string, RouteThrottle | undefined>;
