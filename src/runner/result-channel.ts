// The worker protocol's result channel: file descriptor 3, a pipe that
// nothing else writes to, so guest console output or a stray console.log in
// the worker cannot corrupt the one JSON RunResult the parent reads.
export const RESULT_FD = 3;

/** At most this much is read from a worker's result channel. */
export const MAX_RESULT_BYTES = 4 << 20;
