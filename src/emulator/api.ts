import { isUuid } from "../core/run-id.js";
import { ApiFailure, invalidArgument, notFound } from "./api-error.js";
import { FilterCompiler } from "./cel-filter.js";
import {
  assetFilterSchema,
  metadataKeyFilterSchema,
  runFilterSchema,
  tagFilterSchema,
} from "./filter-fields.js";
import { ListSource } from "./list-page.js";
import { ASSET_ORDER, METADATA_KEY_ORDER, RUN_ORDER, TAG_ORDER } from "./order-fields.js";
import { readListQuery, readTagType, type TagType } from "./list-query.js";
import {
  createAdhocRunRequest,
  createRunRequest,
  type BodyOptions,
  readBody,
  updateRunRequest,
  validateFilterRequest,
} from "./request-bodies.js";
import { RUN_FILTER_FIELDS } from "./run-filter-catalog.js";
import { takeHeldEntries } from "./metadata-values.js";
import { createAdhocRun, createRun, updateRun, type WriteRules } from "./run-writes.js";
import type { Store } from "./store.js";
import type { StoredAsset, StoredMetadataKey, StoredRun, StoredTagRecord } from "./types.js";
import type { WireWriter } from "./wire.js";

/** The operations over one store: request in (query or parsed JSON body), JSON out. */
export class Api {
  private readonly runList: ListSource<StoredRun>;
  private readonly assetList: ListSource<StoredAsset>;
  private readonly keyList: ListSource<StoredMetadataKey>;
  private readonly tagList: ListSource<StoredTagRecord>;

  constructor(
    private readonly store: Store,
    private readonly wire: WireWriter,
    private readonly bodies: BodyOptions,
    private readonly rules: WriteRules = {},
  ) {
    const version = () => store.version;
    this.runList = new ListSource(
      "runs",
      () => store.runs,
      version,
      {
        ...RUN_ORDER,
        // NOTE: Sift documents that ListRuns cannot order by a relation key.
        refuseMetadataKey: (key) =>
          store.findMetadataKey(key)?.type === "relation"
            ? `metadata["${key}"] is a relation key, which runs cannot be ordered by`
            : undefined,
      },
      new FilterCompiler(runFilterSchema(store), bodies.strict),
    );
    this.assetList = new ListSource(
      "assets",
      () => store.assets,
      version,
      ASSET_ORDER,
      new FilterCompiler(assetFilterSchema(store), bodies.strict),
    );
    this.keyList = new ListSource(
      "metadata-keys",
      () => store.metadataKeys,
      version,
      METADATA_KEY_ORDER,
      new FilterCompiler(metadataKeyFilterSchema(store), bodies.strict),
    );
    this.tagList = new ListSource(
      "tags",
      () => store.tags,
      version,
      TAG_ORDER,
      new FilterCompiler(tagFilterSchema(store), bodies.strict),
    );
  }

  private readonly toRun = (run: StoredRun) => this.wire.run(run);

  listRuns(params: URLSearchParams): object {
    const page = this.runList.page(readListQuery(params));
    return this.wire.page("runs", page.items.map(this.toRun), page.nextPageToken);
  }

  getRun(runId: string): object {
    // NOTE: Sift validates run_id as a UUID (buf.validate string.uuid) before looking it up.
    if (!isUuid(runId)) {
      throw invalidArgument("validation error: run_id: value must be a valid UUID [string.uuid]");
    }
    const run = this.store.findRun(runId);
    if (run === undefined) throw notFound(`run "${runId}" not found`);
    return { run: this.toRun(run) };
  }

  createRun(body: unknown): object {
    const input = readBody(createRunRequest, body, "CreateRunRequest", this.bodies);
    return { run: this.toRun(createRun(this.store, input, this.rules)) };
  }

  createAdhocRun(body: unknown): object {
    const input = readBody(createAdhocRunRequest, body, "CreateAdhocRunRequest", this.bodies);
    return { run: this.toRun(createAdhocRun(this.store, input, this.rules)) };
  }

  updateRun(body: unknown): object {
    const { body: rest, taken } = takeHeldEntries(body, this.heldMetadata(body));
    const input = readBody(updateRunRequest, rest, "UpdateRunRequest", this.bodies);
    return { run: this.toRun(updateRun(this.store, input, taken)) };
  }

  /** The metadata of the run an UpdateRun names (`run.runId`, or `run.run_id`), if any. */
  private heldMetadata(body: unknown) {
    const run = (body as { run?: { runId?: unknown; run_id?: unknown } } | null)?.run;
    const runId = run?.runId ?? run?.run_id;
    return typeof runId === "string" ? (this.store.findRun(runId)?.metadata ?? []) : [];
  }

  /** GetRunFilterFields: the fields a ListRuns filter may use, with their types. */
  runFilterFields(): object {
    return { filterFields: RUN_FILTER_FIELDS };
  }

  /**
   * ValidateRunFilter. NOTE: HTTP 200 either way; a problem is the answer's `errorMessage`.
   * An empty filter is valid, as ListRuns reads it (no filter).
   */
  validateRunFilter(body: unknown): object {
    const { filter } = readBody(
      validateFilterRequest,
      body,
      "ValidateRunFilterRequest",
      this.bodies,
    );
    try {
      this.runList.filters.compile(filter ?? "");
      return { errorMessage: "" };
    } catch (error) {
      if (error instanceof ApiFailure) return { errorMessage: error.message };
      throw error;
    }
  }

  listAssets(params: URLSearchParams): object {
    const page = this.assetList.page(readListQuery(params));
    const assets = page.items.map((a) => this.wire.asset(a));
    return this.wire.page("assets", assets, page.nextPageToken);
  }

  listMetadataKeys(params: URLSearchParams): object {
    const page = this.keyList.page(readListQuery(params));
    const keys = page.items.map((k) => this.wire.metadataKey(k));
    return this.wire.page("metadataKeys", keys, page.nextPageToken);
  }

  /** ListTags (`GET /api/v2/tags`): filter by `name`, `tag_id`; `tagType` narrows by what names them. */
  listTags(params: URLSearchParams): object {
    const tagType = readTagType(params);
    const also = tagType === undefined ? undefined : this.tagsOfType(tagType);
    const page = this.tagList.page(readListQuery(params), also);
    const tags = page.items.map((t) => this.wire.tag(t));
    return this.wire.page("tags", tags, page.nextPageToken);
  }

  /**
   * NOTE: tags here are named by runs and assets only; a tag of another type (annotation,
   * campaign, report) does not exist, so those types list nothing.
   */
  private tagsOfType(type: TagType): { matches: (tag: StoredTagRecord) => boolean; text: string } {
    const names = new Set<string>();
    if (type === "TAG_TYPE_RUN")
      for (const run of this.store.runs) for (const t of run.tags) names.add(t);
    if (type === "TAG_TYPE_ASSET") {
      for (const asset of this.store.assets) for (const t of asset.tags) names.add(t);
    }
    return { matches: (tag) => names.has(tag.name), text: type };
  }
}
