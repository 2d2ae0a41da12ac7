import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Actor } from "../audit/index.ts";
import { queryAll, retryingConflicts, unlessRefused } from "../aws/dynamo.ts";
import { setExpression } from "../aws/expressions.ts";
import { expiresAt } from "../state/expiry.ts";
import { DRAFT_LIST_PK, draftContent, draftMeta } from "../state/keys.ts";
import {
  type Approval,
  changedFields,
  contentHashOf,
  DRAFT_FIELDS,
  Draft,
  type DraftContent,
  type DraftState,
} from "./model.ts";

/** A draft, its revisions and approvals (members' names) are kept this long after its last change. */
export const DRAFT_RETENTION_DAYS = 730;
/** The states in which a draft can still be edited, deleted or cancelled: nothing has started. */
export const OPEN_STATES: readonly DraftState[] = ["draft", "pending", "scheduled"];

export type DraftStoreDeps = { db: DynamoDBDocumentClient; stateTable: string };

/** A conditional move of a draft's own item; `undefined` when its condition failed. */
export type Transition = {
  from: readonly DraftState[];
  to?: DraftState;
  /** Only while its content hash is this one. */
  contentHash?: string;
  /** Only once its `sendAt` is at or before this ISO time. */
  dueBy?: string;
  set?: Record<string, unknown>;
};

/**
 * Drafts in the State table. A draft's own item takes single-item conditional writes only (no
 * transaction meets it, so concurrent writers serialize on its conditions); its content is a
 * separate item per content hash, written before the item that names it.
 */
export function createDraftStore({ db, stateTable: TableName }: DraftStoreDeps) {
  const readMeta = async (draftId: string) =>
    (await db.send(new GetCommand({ TableName, Key: draftMeta(draftId), ConsistentRead: true }))).Item;

  const readContent = async (draftId: string, hash: string) =>
    (await db.send(new GetCommand({ TableName, Key: draftContent(draftId, hash), ConsistentRead: true }))).Item;

  const putContent = (draftId: string, hash: string, content: DraftContent, at: Date) =>
    retryingConflicts(() =>
      db.send(
        new PutCommand({
          TableName,
          Item: { ...draftContent(draftId, hash), ...content, expiresAt: expiresAt(at, DRAFT_RETENTION_DAYS) },
        }),
      ),
    );

  async function get(draftId: string): Promise<Draft | undefined> {
    const meta = await readMeta(draftId);
    if (!meta) return undefined;
    const content = await readContent(draftId, meta.contentHash);
    return toDraft(meta, content ?? {});
  }

  /** A conditional update of the draft's item; the draft after, or `undefined` when refused. */
  async function transition(draftId: string, { from, to, contentHash, dueBy, set = {} }: Transition) {
    const parts = setExpression({ ...set, ...(to && { state: to }) });
    const conditions = [`#state IN (${from.map((_, i) => `:from${i}`).join(", ")})`];
    const values: Record<string, unknown> = Object.fromEntries(from.map((state, i) => [`:from${i}`, state]));
    if (contentHash) conditions.push("contentHash = :expectedHash");
    if (contentHash) values[":expectedHash"] = contentHash;
    if (dueBy) conditions.push("sendAt <= :dueBy");
    if (dueBy) values[":dueBy"] = dueBy;
    const updated = await unlessRefused(() =>
      db.send(
        new UpdateCommand({
          TableName,
          Key: draftMeta(draftId),
          UpdateExpression: parts.expression,
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeNames: { ...parts.names, "#state": "state" },
          ExpressionAttributeValues: { ...parts.values, ...values },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return updated?.Attributes;
  }

  return {
    get,

    /** Every draft's own item (no contents), newest first. */
    async list(): Promise<Omit<Draft, "contents" | "html">[]> {
      const items = await queryAll(db, {
        TableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": DRAFT_LIST_PK },
      });
      return items.map((item) => toDraft(item, {})).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },

    async create(draftId: string, content: DraftContent, by: Actor, now: Date): Promise<Draft | undefined> {
      const hash = contentHashOf(content);
      await putContent(draftId, hash, content, now);
      const at = now.toISOString();
      const revision = { revision: 1, at, by, fields: changedFields(undefined, content), contentHash: hash };
      const item = {
        ...draftMeta(draftId),
        draftId,
        state: "draft",
        title: content.title,
        ...(content.sendAt && { sendAt: content.sendAt }),
        contentHash: hash,
        version: 1,
        createdAt: at,
        updatedAt: at,
        revisions: [revision],
        approvals: [],
        expiresAt: expiresAt(now, DRAFT_RETENTION_DAYS),
      };
      const put = new PutCommand({ TableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" });
      return (await unlessRefused(() => db.send(put))) && get(draftId);
    },

    /**
     * Saves new content as the next revision, while nothing has started. The draft goes back to
     * `draft`: its approval request, and every approval (which named the old hash), no longer count.
     * @returns the draft after, `"unchanged"` when nothing differs, or `undefined` when it is gone,
     * started, or changed meanwhile (`version` is not `expectedVersion`)
     */
    async save(draftId: string, content: DraftContent, by: Actor, now: Date): Promise<Draft | "unchanged" | undefined> {
      const current = await get(draftId);
      if (!current || !OPEN_STATES.includes(current.state)) return undefined;
      const fields = changedFields(current, content);
      if (fields.length === 0) return "unchanged";
      const hash = contentHashOf(content);
      await putContent(draftId, hash, content, now);
      const at = now.toISOString();
      const revision = { revision: current.version + 1, at, by, fields, contentHash: hash };
      const parts = setExpression({
        title: content.title,
        contentHash: hash,
        version: current.version + 1,
        updatedAt: at,
        state: "draft",
        expiresAt: expiresAt(now, DRAFT_RETENTION_DAYS),
      });
      const sendAt = content.sendAt ? ", sendAt = :sendAt" : "";
      const saved = await unlessRefused(() =>
        db.send(
          new UpdateCommand({
            TableName,
            Key: draftMeta(draftId),
            UpdateExpression:
              `${parts.expression}${sendAt}, revisions = list_append(revisions, :revision)` +
              ` REMOVE approvalRequest${sendAt ? "" : ", sendAt"}`,
            ConditionExpression: "version = :expected AND #state IN (:draft, :pending, :scheduled)",
            ExpressionAttributeNames: parts.names,
            ExpressionAttributeValues: {
              ...parts.values,
              ...(content.sendAt && { ":sendAt": content.sendAt }),
              ":revision": [revision],
              ":expected": current.version,
              ":draft": "draft",
              ":pending": "pending",
              ":scheduled": "scheduled",
            },
          }),
        ),
      );
      if (!saved) return undefined;
      if (hash !== current.contentHash) await deleteContent(draftId, current.contentHash);
      return get(draftId);
    },

    /** Deletes a draft that has not started, with its content. Returns whether it did. */
    async remove(draftId: string): Promise<boolean> {
      const deleted = await unlessRefused(() =>
        db.send(
          new DeleteCommand({
            TableName,
            Key: draftMeta(draftId),
            ConditionExpression: "#state IN (:draft, :pending, :scheduled, :cancelled)",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: {
              ":draft": "draft",
              ":pending": "pending",
              ":scheduled": "scheduled",
              ":cancelled": "cancelled",
            },
            ReturnValues: "ALL_OLD",
          }),
        ),
      );
      if (deleted?.Attributes) await deleteContent(draftId, deleted.Attributes.contentHash);
      return deleted?.Attributes !== undefined;
    },

    /** Adds an approval while the draft is pending for this hash; the draft after, or `undefined`. */
    async addApproval(draftId: string, approval: Approval): Promise<Draft | undefined> {
      const meta = await transitionAppending(draftId, approval);
      return meta && get(draftId);
    },

    /** A conditional state change; the draft after (with its content), or `undefined` when refused. */
    async transition(draftId: string, change: Transition): Promise<Draft | undefined> {
      const meta = await transition(draftId, change);
      return meta && toDraft(meta, (await readContent(draftId, meta.contentHash)) ?? {});
    },
  };

  async function transitionAppending(draftId: string, approval: Approval) {
    const updated = await unlessRefused(() =>
      db.send(
        new UpdateCommand({
          TableName,
          Key: draftMeta(draftId),
          UpdateExpression: "SET approvals = list_append(approvals, :approval)",
          ConditionExpression: "#state = :pending AND contentHash = :hash AND approvalRequest.contentHash = :hash",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":approval": [approval], ":pending": "pending", ":hash": approval.contentHash },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return updated?.Attributes;
  }

  async function deleteContent(draftId: string, hash: string) {
    await retryingConflicts(() => db.send(new DeleteCommand({ TableName, Key: draftContent(draftId, hash) })));
  }
}

function toDraft(meta: Record<string, unknown>, content: Record<string, unknown>): Draft {
  const fields = Object.fromEntries(
    DRAFT_FIELDS.map((name) => [name, content[name] ?? meta[name]]).filter(([, value]) => value !== undefined),
  );
  return Draft.parse({ contents: "", ...meta, ...fields });
}

export type DraftStore = ReturnType<typeof createDraftStore>;
