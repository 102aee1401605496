package io.tekton.penia.engine;

/** One slice of a usage summary: bucket start and dimensions with their sums. */
public record UsageSlice(long bucketSecond, String component, String provider, String model, String taskType,
                         long costMicros, long inputTokens, long outputTokens, long count) {
}
