package io.tekton.penia.engine.price;

import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.CanonicalNames;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * How provider and model names are matched: normalisation, provider aliases and families,
 * first-party providers, and the alias key of a model name. Pure functions over constants.
 */
final class Names {
    /**
     * Providers that sell their own models, in order of preference when one model name is
     * listed by several of them. A model name found at one of these and at a reseller or
     * cloud (azure, bedrock, openrouter, ...) resolves to the maker's own price.
     */
    static final List<String> FIRST_PARTY = List.of(
            "openai", "anthropic", "gemini", "mistral", "deepseek", "xai", "meta_llama", "cohere_chat",
            "cohere", "ai21", "moonshot", "dashscope", "zai", "minimax", "perplexity", "amazon_nova",
            "codestral", "text-completion-openai", "text-completion-codestral");

    private Names() {
    }

    /**
     * A set of names given in {@code field}, sorted and unmodifiable: empty for null or none, at
     * most {@code max} of them, each checked and normalised by {@code each}.
     */
    static Set<String> sortedNames(String field, Set<String> values, int max, UnaryOperator<String> each) {
        if (values == null || values.isEmpty()) {
            return Collections.emptySortedSet();
        }
        if (values.size() > max) {
            throw PeniaException.invalid(field, "must list at most " + max + " (got " + values.size() + ")");
        }
        TreeSet<String> sorted = new TreeSet<>();
        for (String value : values) {
            sorted.add(each.apply(value));
        }
        return Collections.unmodifiableSortedSet(sorted);
    }

    /** The lookup form of a provider name: its canonical form (trimmed, lower-case, aliases resolved). */
    static String provider(String provider) {
        return CanonicalNames.provider(provider);
    }

    /** The lookup form of a model name: trimmed and lower-case (its canonical form without a provider). */
    static String model(String model) {
        return CanonicalNames.model(null, model);
    }

    /**
     * Whether catalog provider {@code member} belongs to the family a caller names with
     * {@code provider}: {@code vertex_ai} covers {@code vertex_ai-anthropic_models},
     * {@code bedrock} covers {@code bedrock_converse}, {@code azure} covers {@code azure_ai}.
     */
    static boolean inFamily(String provider, String member) {
        return member.length() > provider.length() + 1 && member.startsWith(provider)
                && (member.charAt(provider.length()) == '-' || member.charAt(provider.length()) == '_');
    }

    /** Position in {@link #FIRST_PARTY}, or {@code FIRST_PARTY.size()} for everyone else. */
    static int firstPartyRank(String provider) {
        int rank = FIRST_PARTY.indexOf(provider);
        return rank < 0 ? FIRST_PARTY.size() : rank;
    }

    static boolean isFirstParty(String provider) {
        return FIRST_PARTY.contains(provider);
    }

    /**
     * The alias key of a model name: lower-case, snapshot suffixes stripped, version dots
     * as hyphens. Names with the same key are the same model under another label
     * ({@code claude-sonnet-4-5-20250929}, {@code claude-sonnet-4-5}, {@code claude-sonnet-4.5}).
     *
     * <p>Snapshot suffixes name a dated copy or a moving pointer of the same model:
     * {@code -latest}, {@code @latest}, {@code -20250929}, {@code @20250929},
     * {@code -2024-08-06} and Vertex versions ({@code @001}); they are stripped repeatedly.
     * Four-digit suffixes ({@code gpt-4-0613}, {@code mistral-large-2411}) are left alone:
     * they are as often sizes or distinct releases as dates.
     */
    static String aliasKey(String model) {
        String key = model(model);
        String stripped = stripSnapshot(key);
        while (stripped.length() < key.length() && !stripped.isEmpty()) {
            key = stripped;
            stripped = stripSnapshot(key);
        }
        return versionDotsAsHyphens(key);
    }

    /**
     * How well a catalog name stands for its alias key ({@link #aliasKey} of the name), lower is better: the undated name
     * itself (0), a {@code latest} pointer (1), a dated snapshot (2).
     */
    static int aliasFit(String model, String aliasKey) {
        String name = model(model);
        if (versionDotsAsHyphens(name).equals(aliasKey)) {
            return 0;
        }
        return name.endsWith("latest") ? 1 : 2;
    }

    /** One snapshot suffix removed, or {@code name} itself when it has none. */
    private static String stripSnapshot(String name) {
        int n = name.length();
        if (n > 7 && (name.endsWith("-latest") || name.endsWith("@latest"))) {
            return name.substring(0, n - 7);
        }
        if (n > 9 && (name.charAt(n - 9) == '-' || name.charAt(n - 9) == '@') && digits(name, n - 8, n)) {
            return name.substring(0, n - 9);
        }
        if (n > 11 && name.charAt(n - 11) == '-' && digits(name, n - 10, n - 6) && name.charAt(n - 6) == '-'
                && digits(name, n - 5, n - 3) && name.charAt(n - 3) == '-' && digits(name, n - 2, n)) {
            return name.substring(0, n - 11);
        }
        if (n > 4 && name.charAt(n - 4) == '@' && digits(name, n - 3, n)) {
            return name.substring(0, n - 4);
        }
        return name;
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** {@code claude-sonnet-4.5} → {@code claude-sonnet-4-5}: a dot between two digits. */
    private static String versionDotsAsHyphens(String name) {
        if (name.indexOf('.') < 0) {
            return name;
        }
        char[] chars = name.toCharArray();
        for (int i = 1; i < chars.length - 1; i++) {
            if (chars[i] == '.' && Character.isDigit(chars[i - 1]) && Character.isDigit(chars[i + 1])) {
                chars[i] = '-';
            }
        }
        return new String(chars);
    }
}
