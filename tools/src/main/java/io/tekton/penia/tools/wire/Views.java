package io.tekton.penia.tools.wire;

import io.tekton.penia.engine.PeriodStatus;
import io.tekton.penia.engine.BudgetStatus;
import io.tekton.penia.engine.CheckResult;
import io.tekton.penia.engine.RecordResult;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Channel;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.UsageRecord;
import io.tekton.penia.engine.monitor.Monitors;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Engine results as the JSON shapes of SPEC §3, shared by REST, WebSocket and MCP. */
public final class Views {
    /** What stands in place of a redacted part of a channel URL. */
    public static final String REDACTED = "…redacted";

    private Views() {
    }

    public static BigDecimal usd(Money m) {
        return m == null ? null : m.usd();
    }

    public static Map<String, Object> budget(Budget b) {
        return budget(b, true);
    }

    /** A budget; {@code channelSecrets} false shows its channel URLs {@linkplain #redactUrl redacted}. */
    public static Map<String, Object> budget(Budget b, boolean channelSecrets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("budget_id", b.budgetId());
        m.put("name", b.name());
        m.put("description", b.description());
        m.put("owner", b.owner());
        Map<String, Object> scope = new LinkedHashMap<>();
        scope.put("component", b.scope().component());
        scope.put("provider", b.scope().provider());
        scope.put("model", b.scope().model());
        scope.put("task_type", b.scope().taskType());
        m.put("scope", scope);
        Map<String, Object> limits = new LinkedHashMap<>();
        for (Period p : Period.values()) {
            limits.put(p.wireName(), usd(b.limits().get(p)));
        }
        m.put("limits", limits);
        m.put("warning_percent", b.warningPercent());
        m.put("stop_percent", b.stopPercent());
        m.put("alert_thresholds", b.alertThresholds());
        m.put("enforcement", b.enforcement().wireName());
        m.put("is_active", b.active());
        m.put("cooldown_seconds", b.cooldownSeconds());
        m.put("forecast_alerts", b.forecastAlerts());
        m.put("channels", channels(b.channels(), channelSecrets));
        m.put("created_at", b.createdAt().toString());
        m.put("updated_at", b.updatedAt().toString());
        return m;
    }

    /** Channels without their secrets; {@code urls} false also redacts their URLs ({@link #redactUrl}). */
    public static List<Map<String, Object>> channels(List<Channel> cs, boolean urls) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Channel c : cs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", c.type());
            if (c.url() != null) {
                m.put("url", urls ? c.url() : redactUrl(c.url()));
            }
            if (!c.to().isEmpty()) {
                m.put("to", c.to());
            }
            m.put("has_secret", c.secret() != null);
            out.add(m);
        }
        return out;
    }

    public static Map<String, Object> alertSettings(Budget b) {
        return alertSettings(b, true);
    }

    /** A budget's alert settings; {@code channelSecrets} false shows its channel URLs redacted. */
    public static Map<String, Object> alertSettings(Budget b, boolean channelSecrets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("budget_id", b.budgetId());
        m.put("thresholds", b.alertThresholds());
        m.put("warning_percent", b.warningPercent());
        m.put("stop_percent", b.stopPercent());
        m.put("cooldown_seconds", b.cooldownSeconds());
        m.put("channels", channels(b.channels(), channelSecrets));
        return m;
    }

    /**
     * A channel URL as shown to a caller who may not see its credential (a Slack webhook's path
     * is the credential; other webhooks carry tokens in their path or query): the scheme, host
     * and port, then {@code /…redacted} in place of any user info, path, query or fragment.
     */
    public static String redactUrl(String url) {
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || u.getHost() == null) {
                return REDACTED;
            }
            String origin = u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
            String path = u.getRawPath();
            boolean more = path != null && !path.isEmpty() && !path.equals("/") || u.getRawQuery() != null
                    || u.getRawFragment() != null || u.getRawUserInfo() != null;
            return more ? origin + "/" + REDACTED : origin;
        } catch (URISyntaxException e) {
            return REDACTED;
        }
    }

    public static Map<String, Object> record(UsageRecord r) {
        return Streamed.asMap(Streamed.record(r));
    }

    public static Map<String, Object> recordResult(RecordResult r) {
        return Streamed.asMap(Streamed.recordResult(r));
    }

    public static Map<String, Object> check(CheckResult r) {
        return Streamed.asMap(Streamed.check(r));
    }

    public static Map<String, Object> reservation(Reservation r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reservation_id", r.reservationId());
        m.put("component", r.component());
        m.put("provider", r.provider());
        m.put("model", r.model());
        m.put("amount", usd(r.amount()));
        m.put("budget_ids", r.budgetIds());
        m.put("created_at", r.createdAt().toString());
        m.put("expires_at", r.expiresAt().toString());
        m.put("status", r.status());
        return m;
    }

    public static Map<String, Object> alert(Alert a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alert_id", a.alertId());
        m.put("budget_id", a.budgetId());
        m.put("period", a.period() == null ? null : a.period().wireName());
        m.put("period_start", a.periodStart() == null ? null : a.periodStart().toString());
        m.put("alert_type", a.alertType());
        m.put("threshold_percent", a.thresholdPercent());
        m.put("severity", a.severity());
        m.put("monitor", a.monitor());
        m.put("message", a.message());
        m.put("is_dismissed", a.dismissed());
        m.put("suppressed_count", a.suppressedCount());
        m.put("created_at", a.createdAt().toString());
        return m;
    }

    public static Map<String, Object> period(PeriodStatus p) {
        Map<String, Object> m = new LinkedHashMap<>();
        long used = p.spent().micros();
        m.put("spent", usd(p.spent()));
        m.put("reserved", usd(p.reserved()));
        m.put("limit", usd(p.limit()));
        m.put("percent", Monitors.percent(used, p.limit().micros()));
        m.put("remaining", usd(p.limit().minus(p.spent()).minus(p.reserved())));
        m.put("period_start", p.start().toString());
        m.put("period_end", p.end().toString());
        m.put("projected", usd(p.projected()));
        m.put("forecast", forecast(p.forecast()));
        m.put("breaker_open", p.breakerOpen());
        return m;
    }

    /** A period's forecast (issue 25): end-of-period spend with its 80 % interval, and when the stop threshold is reached. */
    public static Map<String, Object> forecast(io.tekton.penia.engine.forecast.Forecast f) {
        if (f == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("expected", usd(Money.ofMicros(f.expectedMicros())));
        m.put("low", usd(Money.ofMicros(f.lowMicros())));
        m.put("high", usd(Money.ofMicros(f.highMicros())));
        m.put("interval_percent", io.tekton.penia.engine.forecast.Forecast.INTERVAL_PERCENT);
        m.put("stop_at", f.stopAt() == null ? null : f.stopAt().toString());
        m.put("method", f.method());
        m.put("history_hours", f.historyHours());
        return m;
    }

    /** The compact live status of a budget (WebSocket budget_update data, MCP status). */
    public static Map<String, Object> status(BudgetStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("budget_id", s.budget().budgetId());
        m.put("name", s.budget().name());
        for (PeriodStatus p : s.periods()) {
            m.put(p.period().wireName(), period(p));
        }
        return m;
    }
}
