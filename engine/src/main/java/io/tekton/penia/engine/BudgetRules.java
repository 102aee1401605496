package io.tekton.penia.engine;

import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Channel;
import io.tekton.penia.engine.model.Enforcement;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Scope;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a {@link BudgetSpec} becomes a valid {@link Budget}: defaults, merging, limits. The limits
 * and channel types are public for the tool schemas that declare them.
 */
public final class BudgetRules {
    public static final int MAX_PERCENT = 1000;
    public static final int MAX_THRESHOLDS = 20;
    public static final int MAX_CHANNELS = 10;
    public static final long MAX_COOLDOWN_SECONDS = 31L * 24 * 3600;
    public static final int MAX_DESCRIPTION_CHARS = 2000;
    public static final int MAX_OWNER_CHARS = 200;
    public static final List<String> CHANNEL_TYPES = List.of("webhook", "slack", "email");

    private BudgetRules() {
    }

    static Budget build(BudgetSpec spec, Budget current, String id, BudgetDefaults d, Instant now) {
        String name = pick(spec.name(), current == null ? id : current.name());
        UsageInput.name("name", name, true);
        Scope scope = pick(spec.scope(), current == null ? Scope.GLOBAL : current.scope());
        for (String[] f : new String[][]{{"scope.component", scope.component()}, {"scope.provider", scope.provider()},
                {"scope.model", scope.model()}}) {
            UsageInput.name(f[0], f[1], false);
        }
        UsageInput.scopeTaskType("scope.task_type", scope.taskType());
        Map<Period, Money> limits = new EnumMap<>(Period.class);
        if (spec.limits() != null) {
            spec.limits().forEach((p, v) -> {
                if (v != null) {
                    if (v.isNegative()) {
                        throw PeniaException.invalid("limits." + p.wireName(), "must not be negative");
                    }
                    limits.put(p, v);
                }
            });
        } else if (current != null) {
            limits.putAll(current.limits());
        }
        if (limits.isEmpty()) {
            throw PeniaException.invalid("limits", "give at least one of hourly, daily, weekly, monthly");
        }
        int warning = pick(spec.warningPercent(), current == null ? d.warningPercent() : current.warningPercent());
        int stop = pick(spec.stopPercent(), current == null ? d.stopPercent() : current.stopPercent());
        List<Integer> thresholds = pick(spec.alertThresholds(), current == null ? d.thresholds() : current.alertThresholds());
        long cooldown = pick(spec.cooldownSeconds(), current == null ? d.cooldownSeconds() : current.cooldownSeconds());
        checkThresholds(thresholds, warning, stop, cooldown);
        Enforcement enforcement = pick(spec.enforcement(), current == null ? Enforcement.BLOCK : current.enforcement());
        boolean active = pick(spec.active(), current == null || current.active());
        List<Channel> channels = pick(spec.channels(), current == null ? List.of() : current.channels());
        checkChannels(channels, current);
        channels = keepSecrets(channels, current);
        String description = text("description", spec.description(), current == null ? null : current.description(),
                MAX_DESCRIPTION_CHARS);
        String owner = text("owner", spec.owner(), current == null ? null : current.owner(), MAX_OWNER_CHARS);
        boolean forecastAlerts = pick(spec.forecastAlerts(), current != null && current.forecastAlerts());
        return new Budget(id, name, scope, limits, warning, stop, thresholds, enforcement, active, cooldown, channels,
                current == null ? now : current.createdAt(), now, description, owner, forecastAlerts);
    }

    /** A free-text field: null keeps the current value, empty clears it, longer than {@code max} is refused. */
    private static String text(String field, String given, String current, int max) {
        if (given == null) {
            return current;
        }
        if (given.length() > max) {
            throw PeniaException.invalid(field, "at most " + max + " characters, got " + given.length());
        }
        return given.isEmpty() ? null : given;
    }

    static void checkThresholds(List<Integer> thresholds, int warning, int stop, long cooldown) {
        if (thresholds.size() > MAX_THRESHOLDS) {
            throw PeniaException.invalid("thresholds", "at most " + MAX_THRESHOLDS);
        }
        for (Integer t : thresholds) {
            if (t == null || t < 1 || t > MAX_PERCENT) {
                throw PeniaException.invalid("thresholds", "each must be between 1 and " + MAX_PERCENT);
            }
        }
        if (warning < 1 || warning > MAX_PERCENT) {
            throw PeniaException.invalid("warning_percent", "must be between 1 and " + MAX_PERCENT);
        }
        if (stop < 1 || stop > MAX_PERCENT) {
            throw PeniaException.invalid("stop_percent", "must be between 1 and " + MAX_PERCENT);
        }
        if (warning > stop) {
            throw PeniaException.invalid("warning_percent", "must not exceed stop_percent (" + stop + ")");
        }
        if (cooldown < 0 || cooldown > MAX_COOLDOWN_SECONDS) {
            throw PeniaException.invalid("cooldown_seconds", "must be between 0 and " + MAX_COOLDOWN_SECONDS);
        }
    }

    private static void checkChannels(List<Channel> channels, Budget current) {
        if (channels.size() > MAX_CHANNELS) {
            throw PeniaException.invalid("channels", "at most " + MAX_CHANNELS);
        }
        for (int i = 0; i < channels.size(); i++) {
            Channel c = channels.get(i);
            String f = "channels[" + i + "]";
            if (c.type() == null || !CHANNEL_TYPES.contains(c.type())) {
                throw PeniaException.invalid(f + ".type", "must be one of webhook, slack, email");
            }
            if (c.type().equals("email")) {
                if (c.to().isEmpty() || c.to().size() > 50) {
                    throw PeniaException.invalid(f + ".to", "give 1 to 50 addresses");
                }
                for (String to : c.to()) {
                    if (to == null || !to.matches("[^@\\s]{1,64}@[^@\\s]{1,255}")) {
                        throw PeniaException.invalid(f + ".to", "not an e-mail address: " + to);
                    }
                }
            } else {
                if (c.url() == null || !(c.url().startsWith("http://") || c.url().startsWith("https://"))
                        || c.url().length() > 2048) {
                    throw PeniaException.invalid(f + ".url", "must be an http(s) URL");
                }
                try {
                    java.net.URI.create(c.url()).toURL();
                } catch (Exception e) {
                    throw PeniaException.invalid(f + ".url", "not a valid URL");
                }
            }
            if (c.secret() != null && c.secret().length() > 512) {
                throw PeniaException.invalid(f + ".secret", "longer than 512 characters");
            }
        }
    }

    /** A channel re-sent without its secret (secrets are never echoed) keeps the stored one. */
    private static List<Channel> keepSecrets(List<Channel> channels, Budget current) {
        if (current == null) {
            return channels;
        }
        return channels.stream().map(c -> {
            if (c.secret() != null) {
                return c;
            }
            for (Channel old : current.channels()) {
                if (old.type().equals(c.type()) && java.util.Objects.equals(old.url(), c.url()) && old.secret() != null) {
                    return new Channel(c.type(), c.url(), old.secret(), c.to());
                }
            }
            return c;
        }).toList();
    }

    private static <T> T pick(T v, T fallback) {
        return v != null ? v : fallback;
    }
}
