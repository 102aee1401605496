package io.tekton.penia.engine.forecast;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches the spend rate of every component, provider, model and task type for spikes against
 * its own baseline, and notices the first spend of a model or component (task types raise no
 * notice). A usage record costs four hash lookups and an addition each, and allocates nothing
 * once its values are watched; a watch does more only when one of its minutes closes.
 * Findings wait in a small queue until the engine turns them into alerts.
 */
public final class AnomalyWatch {
    /** Watches kept per dimension, at most; new values beyond this are not watched. */
    static final int MAX_WATCHES = 4_096;
    private static final int MAX_PENDING = 256;
    /** The dimension name of task types in findings and alerts. */
    static final String TASK_TYPE = "task_type";

    private final ZoneId zone;
    private AnomalyConfig cfg;
    private final Map<String, RateWatch> components = new HashMap<>();
    private final Map<String, RateWatch> providers = new HashMap<>();
    private final Map<String, RateWatch> models = new HashMap<>();
    private final Map<String, RateWatch> taskTypes = new HashMap<>();
    private final List<Finding> pending = new ArrayList<>();
    /** When the watch first saw spend (or the earliest history it was seeded with). */
    private long sinceSecond = Long.MAX_VALUE;

    public AnomalyWatch(AnomalyConfig cfg, ZoneId zone) {
        this.cfg = cfg;
        this.zone = zone;
    }

    public void configure(AnomalyConfig c) {
        this.cfg = c;
    }

    public AnomalyConfig config() {
        return cfg;
    }

    /** Forgets every watch and pending finding (a reload seeds them again); the configuration stays. */
    public void clear() {
        components.clear();
        providers.clear();
        models.clear();
        taskTypes.clear();
        pending.clear();
        sinceSecond = Long.MAX_VALUE;
    }

    /** Marks values as known from history, so that they raise no first-spend notice. */
    public void seed(String component, String provider, String model, long epochSecond) {
        sinceSecond = Math.min(sinceSecond, epochSecond);
        known(components, component);
        known(providers, provider);
        known(models, model);
    }

    private void known(Map<String, RateWatch> m, String v) {
        if (v != null && m.size() < MAX_WATCHES) {
            m.computeIfAbsent(v, k -> new RateWatch(zone));
        }
    }

    /** Adds spend without a task type (to the component, provider and model watches). */
    public void add(String component, String provider, String model, long epochSecond, long micros) {
        add(component, provider, model, null, epochSecond, micros);
    }

    /** The per-record hook: adds spend to the component, provider, model and task type watches. */
    public void add(String component, String provider, String model, String taskType, long epochSecond,
                    long micros) {
        if (!cfg.enabled()) {
            return;
        }
        if (sinceSecond == Long.MAX_VALUE && micros > 0) {
            sinceSecond = epochSecond;
        }
        add(components, "component", component, epochSecond, micros);
        add(providers, "provider", provider, epochSecond, micros);
        add(models, "model", model, epochSecond, micros);
        add(taskTypes, TASK_TYPE, taskType, epochSecond, micros);
    }

    private void add(Map<String, RateWatch> m, String dimension, String value, long epochSecond, long micros) {
        if (value == null) {
            return;
        }
        RateWatch w = m.get(value);
        if (w == null) {
            if (micros <= 0 || m.size() >= MAX_WATCHES) {
                return;
            }
            w = new RateWatch(zone);
            m.put(value, w);
            if (("model".equals(dimension) || "component".equals(dimension))
                    && epochSecond - sinceSecond >= cfg.noticeAfter().toSeconds()) {
                note(new Finding("model".equals(dimension) ? Finding.NEW_MODEL : Finding.NEW_COMPONENT, dimension,
                        value, 0, 0, 0, micros, epochSecond));
            }
        }
        if (w.add(epochSecond, micros)) {
            check(w, dimension, value);
        }
    }

    private void check(RateWatch w, String dimension, String value) {
        Finding f = w.check(dimension, value, cfg.spikeFactor(), cfg.minSpendMicros(), cfg.warmup().toMinutes());
        if (f != null) {
            note(f);
        }
    }

    private void note(Finding f) {
        if (pending.size() < MAX_PENDING) {
            pending.add(f);
        }
    }

    /** Closes every watch's minutes up to {@code epochSecond} (the periodic evaluation). */
    public void advanceTo(long epochSecond) {
        if (!cfg.enabled()) {
            return;
        }
        long m = Math.floorDiv(epochSecond, 60);
        advance(components, "component", m);
        advance(providers, "provider", m);
        advance(models, "model", m);
        advance(taskTypes, TASK_TYPE, m);
    }

    private void advance(Map<String, RateWatch> map, String dimension, long m) {
        for (Map.Entry<String, RateWatch> e : map.entrySet()) {
            RateWatch w = e.getValue();
            if (w.minute() != Long.MIN_VALUE && m > w.minute()) {
                w.roll(m);
                check(w, dimension, e.getKey());
            }
        }
    }

    public boolean hasFindings() {
        return !pending.isEmpty();
    }

    /** The findings since the last call. */
    public List<Finding> drain() {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<Finding> out = new ArrayList<>(pending);
        pending.clear();
        return out;
    }
}
