package io.tekton.penia.engine.store.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Channel;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;
import io.tekton.penia.engine.store.StoreException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stored form of a budget (a JSON body, secrets included: the database is trusted), shared
 * by the storage backends; with the JSON of settings and price versions ({@link #json}, {@link
 * #parse}). Not exported: only the store packages use it.
 */
public final class BudgetCodec {
    private BudgetCodec() {
    }

    public static String toStorage(Budget b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("budget_id", b.budgetId());
        m.put("name", b.name());
        m.put("component", b.scope().component());
        m.put("provider", b.scope().provider());
        m.put("model", b.scope().model());
        m.put("task_type", b.scope().taskType());
        Map<String, Long> limits = new LinkedHashMap<>();
        b.limits().forEach((p, v) -> limits.put(p.wireName(), v.micros()));
        m.put("limits_micros", limits);
        m.put("warning_percent", b.warningPercent());
        m.put("stop_percent", b.stopPercent());
        m.put("alert_thresholds", b.alertThresholds());
        m.put("enforcement", b.enforcement().wireName());
        m.put("is_active", b.active());
        m.put("cooldown_seconds", b.cooldownSeconds());
        List<Map<String, Object>> channels = new ArrayList<>();
        for (Channel c : b.channels()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("type", c.type());
            cm.put("url", c.url());
            cm.put("secret", c.secret());
            cm.put("to", c.to());
            channels.add(cm);
        }
        m.put("channels", channels);
        m.put("created_ms", b.createdAt().toEpochMilli());
        m.put("updated_ms", b.updatedAt().toEpochMilli());
        if (b.description() != null) {
            m.put("description", b.description());
        }
        if (b.owner() != null) {
            m.put("owner", b.owner());
        }
        if (b.forecastAlerts()) {
            m.put("forecast_alerts", true);
        }
        try {
            return Json.mapper().writeValueAsString(m);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Budget fromStorage(String body) {
        Map<String, Object> m = parse(body);
        Map<Period, Money> limits = new EnumMap<>(Period.class);
        ((Map<String, Object>) m.get("limits_micros")).forEach((k, v) ->
                limits.put(Period.parse(k).orElseThrow(), Money.ofMicros(((Number) v).longValue())));
        List<Channel> channels = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) m.getOrDefault("channels", List.of())) {
            channels.add(new Channel((String) c.get("type"), (String) c.get("url"), (String) c.get("secret"),
                    (List<String>) c.get("to")));
        }
        List<Integer> thresholds = new ArrayList<>();
        for (Object o : (List<Object>) m.get("alert_thresholds")) {
            thresholds.add(((Number) o).intValue());
        }
        return new Budget((String) m.get("budget_id"), (String) m.get("name"),
                new Scope((String) m.get("component"), (String) m.get("provider"), (String) m.get("model"),
                        (String) m.get("task_type")), limits,
                ((Number) m.get("warning_percent")).intValue(), ((Number) m.get("stop_percent")).intValue(), thresholds,
                Enforcement.valueOf(((String) m.get("enforcement")).toUpperCase(java.util.Locale.ROOT)),
                Boolean.TRUE.equals(m.get("is_active")), ((Number) m.get("cooldown_seconds")).longValue(), channels,
                Instant.ofEpochMilli(((Number) m.get("created_ms")).longValue()),
                Instant.ofEpochMilli(((Number) m.get("updated_ms")).longValue()),
                (String) m.get("description"), (String) m.get("owner"), Boolean.TRUE.equals(m.get("forecast_alerts")));
    }

    /** A JSON object as stored. */
    public static String json(Map<String, ?> value) {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    /** A stored JSON object; a corrupt one fails with a {@link StoreException}. */
    public static Map<String, Object> parse(String json) {
        try {
            return Json.mapper().readValue(json, MAP);
        } catch (Exception e) {
            throw new StoreException("corrupt stored JSON: " + e.getMessage(), e);
        }
    }
}
