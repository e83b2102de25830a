// Errors raised by the Hugging Face hub client. Each names the file, the cause and the fix; `code` lets callers
// (the dataset loader, the weight loader) tell "no network / not cached" apart from a real failure.

export type HubErrorCode = "HUB_OFFLINE_NOT_CACHED" | "HUB_UNREACHABLE" | "HUB_HTTP" | "HUB_INTEGRITY" | "HUB_BAD_RESPONSE";

export class HubError extends Error {
  readonly code: HubErrorCode;
  constructor(code: HubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Offline (HF_HUB_OFFLINE=1 or `offline: true`) and the file is not in the local cache. */
export class HubOfflineError extends HubError {
  constructor(message: string) {
    super("HUB_OFFLINE_NOT_CACHED", message);
  }
}

/** The hub could not be reached (DNS, refused connection, timeout, cut stream after all retries). */
export class HubConnectionError extends HubError {
  constructor(message: string, cause?: unknown) {
    super("HUB_UNREACHABLE", message, { cause });
  }
}

/** The hub answered with an HTTP error (401/403 gated or private, 404 unknown repo/revision/file, 5xx). */
export class HubHttpError extends HubError {
  readonly status: number;
  /** The hub's X-Error-Code header (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo), when sent. */
  readonly hubErrorCode: string | null;
  constructor(message: string, status: number, hubErrorCode: string | null) {
    super("HUB_HTTP", message);
    this.status = status;
    this.hubErrorCode = hubErrorCode;
  }
}

/** A downloaded file does not have the size or SHA-256 the hub announced; it was deleted. */
export class HubIntegrityError extends HubError {
  constructor(message: string) {
    super("HUB_INTEGRITY", message);
  }
}

/** True for errors that mean "the hub cannot be used right now" (offline and not cached, or unreachable). */
export function isHubUnavailable(err: unknown): boolean {
  return err instanceof HubOfflineError || err instanceof HubConnectionError;
}
