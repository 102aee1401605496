package io.tekton.penia.server.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tekton.penia.engine.PeriodStatus;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.monitor.Monitors;
import io.tekton.penia.tools.wire.Views;

import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an alert says on each channel: the webhook's JSON, the Slack message, the e-mail's
 * subject and its plain-text and HTML bodies. Built at send time from the stored alert, the
 * budget's name and, when the budget still exists, the live spend of the alert's period.
 *
 * @param budgetName null for an alert without a budget (unpriced usage) or a deleted budget
 * @param period     the live status of the alert's period, or null when unknown
 */
record AlertContent(Alert alert, String budgetName, PeriodStatus period) {

    /** The webhook body: the alert as in {@code GET /alerts}, plus the budget's name and live spend. */
    byte[] webhookJson() {
        Map<String, Object> m = new LinkedHashMap<>(Views.alert(alert));
        m.put("budget_name", budgetName);
        if (period != null) {
            m.put("spent", Views.usd(period.spent()));
            m.put("limit", Views.usd(period.limit()));
        }
        return json(m);
    }

    /** A Slack incoming-webhook message: a plain {@code text} fallback and the same in blocks. */
    byte[] slackJson() {
        String headline = "[Penia] " + alert.severity() + ": " + alert.message();
        Map<String, String> facts = new LinkedHashMap<>();
        if (budgetName != null) {
            facts.put("Budget", budgetName);
        }
        if (alert.period() != null) {
            facts.put("Period", alert.period().wireName());
        }
        if (period != null) {
            facts.put("Spent", spentOfLimit());
        }
        StringBuilder plain = new StringBuilder(headline);
        StringBuilder rich = new StringBuilder();
        facts.forEach((k, v) -> {
            plain.append(plain.length() == headline.length() ? "\n" : " | ").append(k).append(": ").append(v);
            rich.append(rich.isEmpty() ? "" : "  |  ").append('*').append(k).append(":* ").append(slackEscape(v));
        });
        rich.append(rich.isEmpty() ? "" : "  |  ").append("alert ").append(alert.alertId());
        Map<String, Object> section = Map.of("type", "section", "text",
                Map.of("type", "mrkdwn", "text", "*" + slackEscape(headline) + "*"));
        Map<String, Object> context = Map.of("type", "context", "elements",
                List.of(Map.of("type", "mrkdwn", "text", rich.toString())));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", plain.toString());
        m.put("blocks", List.of(section, context));
        return json(m);
    }

    /** For example {@code [Penia] warning: Monthly budget 'X' 80% consumed ($0.85 of $1.00)}. */
    String subject() {
        // A header must be one line; messages are, but a budget name could carry a newline.
        return ("[Penia] " + alert.severity() + ": " + alert.message()).replaceAll("[\\r\\n]+", " ");
    }

    String plainText() {
        StringBuilder b = new StringBuilder();
        b.append(alert.message()).append("\n\n");
        for (Map.Entry<String, String> e : facts().entrySet()) {
            b.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        b.append("\n-- Penia, the budget service of Tekton\n");
        return b.toString();
    }

    String html() {
        StringBuilder b = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
        b.append("<h2>").append(html(alert.message())).append("</h2><table>");
        for (Map.Entry<String, String> e : facts().entrySet()) {
            b.append("<tr><th align=\"left\">").append(html(e.getKey())).append("</th><td>")
                    .append(html(e.getValue())).append("</td></tr>");
        }
        return b.append("</table><p style=\"color:#888\">Penia, the budget service of Tekton</p></body></html>")
                .toString();
    }

    private Map<String, String> facts() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("Severity", alert.severity());
        if (budgetName != null) {
            f.put("Budget", budgetName + " (" + alert.budgetId() + ")");
        }
        if (alert.period() != null) {
            f.put("Period", alert.period().wireName() + (alert.periodStart() == null ? "" : " from " + alert.periodStart()));
        }
        if (period != null) {
            f.put("Spent", spentOfLimit());
        }
        f.put("Alert", alert.alertType() + (alert.thresholdPercent() == null ? "" : " " + alert.thresholdPercent() + "%"));
        f.put("Alert id", alert.alertId());
        f.put("Raised at", alert.createdAt().toString());
        return f;
    }

    private String spentOfLimit() {
        return "$" + dollars(period.spent()) + " of $" + dollars(period.limit()) + " ("
                + Monitors.percent(period.spent().micros(), period.limit().micros()).setScale(0, RoundingMode.HALF_UP)
                .toPlainString() + "%)";
    }

    private static String dollars(Money m) {
        return m.usd().setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    private static String slackEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String html(String s) {
        return slackEscape(s).replace("\"", "&quot;").replace("'", "&#39;");
    }

    private static byte[] json(Object o) {
        try {
            return Json.mapper().writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("alert payload not serializable: " + e.getMessage(), e);
        }
    }
}
