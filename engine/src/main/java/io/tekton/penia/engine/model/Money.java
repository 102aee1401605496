package io.tekton.penia.engine.model;

import io.tekton.penia.engine.error.PeniaException;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An exact amount of US dollars, held as whole micro-dollars. Sums of {@code Money} never
 * drift: every counter in Penia is a sum of these longs.
 */
public record Money(long micros) implements Comparable<Money> {
    public static final Money ZERO = new Money(0);
    private static final BigDecimal MICROS_PER_USD = BigDecimal.valueOf(1_000_000);
    /**
     * The largest amount accepted from outside (a budget limit, a price): one trillion dollars.
     * It is also the most the whole ledger may hold, and the most one budget may have on hold:
     * every counter and every sum of the ledger's costs is at most this, so none can overflow
     * (spent + reserved + an estimate stays far below {@code Long.MAX_VALUE}).
     */
    public static final long MAX_MICROS = 1_000_000_000_000L * 1_000_000L;
    /** {@link #MAX_MICROS} in USD: the one bound every reader of amounts from outside applies. */
    public static final BigDecimal MAX_USD = BigDecimal.valueOf(1_000_000_000_000L);
    /**
     * The most one usage record (or one estimate) may cost: one million dollars, far above any
     * real LLM call, and small enough that a million of them fit in {@link #MAX_MICROS}.
     */
    public static final long MAX_RECORD_MICROS = 1_000_000L * 1_000_000L;

    public static Money ofMicros(long micros) {
        return new Money(micros);
    }

    /** Exact conversion from USD; more than six decimals are rounded half-up to the micro-dollar. */
    public static Money ofUsd(BigDecimal usd) {
        // Bounds are compared before any arithmetic: rescaling 1e-999999999 or 1e999999999
        // would take unbounded time; compareTo only looks at the exponents.
        BigDecimal abs = usd.abs();
        if (abs.compareTo(MAX_USD) > 0) {
            throw PeniaException.invalid("amount", "must be at most 1e12 USD");
        }
        if (abs.compareTo(HALF_MICRO_USD) < 0) {
            return ZERO;
        }
        BigDecimal micros = usd.multiply(MICROS_PER_USD).setScale(0, RoundingMode.HALF_UP);
        return new Money(micros.longValueExact());
    }

    private static final BigDecimal HALF_MICRO_USD = new BigDecimal("0.0000005");

    /**
     * Refuses an amount above {@link #MAX_RECORD_MICROS}, naming {@code field}.
     *
     * @throws PeniaException invalid_argument
     */
    public static void checkRecordCost(String field, Money cost) {
        if (cost.micros() > MAX_RECORD_MICROS) {
            throw PeniaException.invalid(field, "must be at most " + MAX_RECORD_MICROS / 1_000_000
                    + " USD, the most one record may cost (got " + cost.usd().toPlainString() + ")");
        }
    }

    public static Money ofUsd(String usd) {
        return ofUsd(new BigDecimal(usd));
    }

    public BigDecimal usd() {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros();
    }

    public Money plus(Money other) {
        return new Money(Math.addExact(micros, other.micros));
    }

    public Money minus(Money other) {
        return new Money(Math.subtractExact(micros, other.micros));
    }

    public boolean isNegative() {
        return micros < 0;
    }

    @Override
    public int compareTo(Money o) {
        return Long.compare(micros, o.micros);
    }

    @Override
    public String toString() {
        return "$" + usd().toPlainString();
    }
}
