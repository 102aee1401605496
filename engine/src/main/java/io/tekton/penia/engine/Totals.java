package io.tekton.penia.engine;

/**
 * Sums of usage: cost in micro-dollars, input and output tokens, and the number of records.
 * Additions are exact; an overflow fails rather than wraps.
 */
public record Totals(long costMicros, long inputTokens, long outputTokens, long count) {
    public static final Totals ZERO = new Totals(0, 0, 0, 0);

    /** These sums plus one more batch of usage. */
    public Totals plus(long costMicros, long inputTokens, long outputTokens, long count) {
        return new Totals(Math.addExact(this.costMicros, costMicros), Math.addExact(this.inputTokens, inputTokens),
                Math.addExact(this.outputTokens, outputTokens), Math.addExact(this.count, count));
    }

    /** The sum of both. */
    public Totals plus(Totals o) {
        return plus(o.costMicros, o.inputTokens, o.outputTokens, o.count);
    }

    /** Bridge from the {@code {cost, input, output, count}} arrays the engine still returns. */
    public static Totals of(long[] v) {
        return new Totals(v[0], v[1], v[2], v[3]);
    }
}
