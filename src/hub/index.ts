// Hugging Face hub client: cached, resumable, verified downloads shared by the dataset and weight loaders.
export {
  blobOf,
  cachePaths,
  DEFAULT_REVISION,
  hfHome,
  hubCacheDir,
  isCommitHash,
  isOfflineEnv,
  removeCachedFile,
  repoFolderName,
  tryLoadFromCache,
  validateFilename,
  validateRepoId,
} from "./cache";
export type { CachePaths, HubFileRef, RepoType } from "./cache";
export { getHubFileMetadata, hubDownload, hubEndpoint, hubFileUrl, hubToken } from "./download";
export type { HubDownloadOptions, HubFileMetadata } from "./download";
export { HubConnectionError, HubError, HubHttpError, HubIntegrityError, HubOfflineError, isHubUnavailable } from "./errors";
export type { HubErrorCode } from "./errors";
