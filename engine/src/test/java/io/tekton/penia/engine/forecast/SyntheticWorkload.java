package io.tekton.penia.engine.forecast;

import io.tekton.penia.engine.UsageInput;
import io.tekton.penia.engine.model.Money;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A synthetic but realistic spend workload, one usage record per stream and minute: a daily
 * shape (quiet nights, a business-hours peak), quieter weekends, steady growth and
 * multiplicative noise, with incidents injected on top (runaways of a component or of one of
 * its task types, a slow leak, a switch to a pricier model). Deterministic for a seed.
 */
final class SyntheticWorkload {
    /**
     * One agent's usage: its component, provider, model and task type (null: the default one), and its mean
     * spend per minute at the daily shape's 1.0.
     */
    record Stream(String component, String provider, String model, String taskType, double microsPerMinute) {
        Stream(String component, String provider, String model, double microsPerMinute) {
            this(component, provider, model, null, microsPerMinute);
        }
    }

    /** Something that changes one component's spend from {@code start}. */
    sealed interface Incident permits Runaway, TaskRunaway, Leak, ModelSwitch {
        String component();

        Instant start();
    }

    /** The component spends {@code factor} times its usual rate for {@code length}. */
    record Runaway(String component, Instant start, Duration length, double factor) implements Incident {
    }

    /** The component's streams of {@code taskType} spend {@code factor} times their usual rate for {@code length}. */
    record TaskRunaway(String component, String taskType, Instant start, Duration length, double factor)
            implements Incident {
    }

    /** The component's spend grows by {@code perDay} (0.30 = +30 %) a day from {@code start} on. */
    record Leak(String component, Instant start, double perDay) implements Incident {
    }

    /** The component switches to {@code model}, {@code priceFactor} times pricier, for {@code length}. */
    record ModelSwitch(String component, Instant start, Duration length, String model, double priceFactor)
            implements Incident {
    }

    private static final double NOISE_SIGMA = 0.3;
    private static final double GROWTH_PER_30_DAYS = 0.10;
    private static final double WEEKEND = 0.45;

    private final List<Stream> streams;
    private final List<Incident> incidents;
    private final Instant origin;
    private final ZoneId zone;
    private final Random rnd;
    /** The noise of streams with a task type: the draws of the others stay what they were before task types. */
    private final Random taskRnd;

    SyntheticWorkload(List<Stream> streams, List<Incident> incidents, Instant origin, ZoneId zone, long seed) {
        this.streams = List.copyOf(streams);
        this.incidents = List.copyOf(incidents);
        this.origin = origin;
        this.zone = zone;
        this.rnd = new Random(seed);
        this.taskRnd = new Random(~seed);
    }

    static List<Stream> agents() {
        return List.of(new Stream("agent-a", "openai", "gpt-4o-mini", 200_000),
                new Stream("agent-b", "anthropic", "claude-sonnet-4-5", 300_000),
                new Stream("agent-c", "openai", "gpt-4.1-mini", 80_000),
                // One component, two task types: the code task is a small share of what its component,
                // provider and model spend (the model is agent-b's too).
                new Stream("assistant", "anthropic", "claude-sonnet-4-5", "chat", 300_000),
                new Stream("assistant", "anthropic", "claude-sonnet-4-5", "code", 25_000));
    }

    /** The seasonal and growth factor at a time, without noise or incidents (1.0 at a weekday's peak). */
    double shape(Instant t) {
        ZonedDateTime z = t.atZone(zone);
        double h = z.getHour() + z.getMinute() / 60.0;
        double daily = 0.3 + 0.7 * Math.exp(-Math.pow(h - 14, 2) / (2 * 16));
        DayOfWeek d = z.getDayOfWeek();
        double weekly = d == DayOfWeek.SATURDAY || d == DayOfWeek.SUNDAY ? WEEKEND : 1.0;
        double days = Duration.between(origin, t).toSeconds() / 86_400.0;
        return daily * weekly * Math.pow(1 + GROWTH_PER_30_DAYS, days / 30);
    }

    /** Mean spend in [from, to) of a component's streams (every stream for null), incident-free. */
    long expectedMicros(Instant from, Instant to, String component) {
        double sum = 0;
        double perMinute = streams.stream().filter(s -> component == null || s.component().equals(component))
                .mapToDouble(Stream::microsPerMinute).sum();
        for (Instant t = from; t.isBefore(to); t = t.plusSeconds(60)) {
            sum += perMinute * shape(t);
        }
        return Math.round(sum);
    }

    /** The usage records of the minute that starts at {@code t}. */
    List<UsageInput> minute(Instant t) {
        List<UsageInput> out = new ArrayList<>(streams.size());
        double s = shape(t);
        for (Stream st : streams) {
            Random draws = st.taskType() == null ? rnd : taskRnd;
            double noise = Math.exp(NOISE_SIGMA * draws.nextGaussian() - NOISE_SIGMA * NOISE_SIGMA / 2);
            double micros = st.microsPerMinute() * s * noise;
            String model = st.model();
            for (Incident i : incidents) {
                if (!i.component().equals(st.component()) || t.isBefore(i.start())
                        || i instanceof TaskRunaway tr && !tr.taskType().equals(st.taskType())) {
                    continue;
                }
                switch (i) {
                    case Runaway r -> micros *= t.isBefore(r.start().plus(r.length())) ? r.factor() : 1;
                    case TaskRunaway r -> micros *= t.isBefore(r.start().plus(r.length())) ? r.factor() : 1;
                    case Leak l -> micros *= Math.pow(1 + l.perDay(), Duration.between(l.start(), t).toSeconds() / 86_400.0);
                    case ModelSwitch m -> {
                        if (t.isBefore(m.start().plus(m.length()))) {
                            micros *= m.priceFactor();
                            model = m.model();
                        }
                    }
                }
            }
            long cost = Math.max(1, Math.round(micros));
            out.add(new UsageInput(st.component(), st.provider(), model, st.taskType(), cost / 100, cost / 1000, 0,
                    0, 0, Money.ofMicros(cost), null, null, null));
        }
        return out;
    }
}
