export type { DataServiceConfig } from "./config.js";
export { dataServiceConfigFromEnv, resultCacheOption } from "./config.js";
export { DataService } from "./data-service.js";
export { parseDateRange, parseIsoDate } from "./dates.js";
export { getDataService, getStorageService, resetServices } from "./factories.js";
export type { ImportFormat } from "./formats.js";
export { contentTypeFor, IMPORT_FORMATS, resolveImportFormat } from "./formats.js";
export { toJsonRow, toJsonValue } from "./json-values.js";
export {
  analyticsDatabaseId,
  DEFAULT_USER_BUCKET,
  EVENTS_TABLE,
  REPORTS_PREFIX,
  validateObjectKey,
} from "./names.js";
export type { BoundQuery, ReportType } from "./report-registry.js";
export { ReportRegistry, rejectUnknownParameters, reportKey } from "./report-registry.js";
export { dailySummaryReport, defaultReportTypes, userActivityReport } from "./report-types.js";
export type { ResultCacheOptions } from "./result-cache.js";
export type {
  BehaviorAnalysis,
  Caller,
  DataServiceOptions,
  EventTypeSummary,
  FileInfo,
  ReadOnlyQueryResult,
  ReportDocument,
  StoredFile,
  StoreOptions,
  UserData,
} from "./service-types.js";
export {
  ANALYZE_BEHAVIOR_SQL,
  DAILY_SUMMARY_SQL,
  EVENT_COLUMNS,
  USER_ACTIVITY_SQL,
} from "./sql.js";
export type { CallerClients, ServiceHealth, StorageServiceOptions } from "./storage-service.js";
export { StorageService } from "./storage-service.js";
