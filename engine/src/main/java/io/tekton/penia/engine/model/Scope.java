package io.tekton.penia.engine.model;

import java.util.Objects;

/**
 * What a budget covers: a component, a provider, a model and a task type. A null field matches
 * anything, so the empty scope is a global budget. Provider, model and task type are held in
 * their {@link CanonicalNames canonical} form, whoever built the scope (a request, a stored
 * budget, a filter), and are compared with usages' canonical names.
 */
public record Scope(String component, String provider, String model, String taskType) {
    public static final Scope GLOBAL = new Scope(null, null, null, null);

    public Scope {
        component = blankToNull(component);
        provider = CanonicalNames.provider(blankToNull(provider));
        model = CanonicalNames.model(provider, blankToNull(model));
        taskType = CanonicalNames.taskType(blankToNull(taskType));
    }

    /** A scope over every task type. */
    public Scope(String component, String provider, String model) {
        this(component, provider, model, null);
    }

    /** True when a usage of this component, provider, model and task type counts against the scope. */
    public boolean matches(String component, String provider, String model, String taskType) {
        return field(this.component, component) && field(this.provider, provider) && field(this.model, model)
                && field(this.taskType, taskType);
    }

    private static boolean field(String want, String have) {
        return want == null || Objects.equals(want, have);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
