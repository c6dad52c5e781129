export { createBatchRunner, type BatchRunner, type BatchRunnerOptions, type BatchRun, type BatchSummary, type RunBatchOptions } from './run-batch.js';
export { prepareBatchRequest, chunkRequests, toJsonl, BATCH_LIMITS, type BatchRequest, type BatchInputLine, type PreparedRequest } from './lines.js';
export { outcomeOf, parseJsonl, type BatchOutcome, type BatchOutputLine } from './results.js';
export { FileBatchStateStore, type BatchStateStore, type BatchJobState, type BatchChunkState } from './state.js';
export { BatchStateMismatchError } from '../errors/batch-state-mismatch-error.js';
