package io.tekton.penia.engine.model;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one spelling of provider and model names. Every name that enters the engine (a usage,
 * a check, a budget's scope, a filter, a budget loaded from the database) is put in this form
 * once, so pricing, budget matching, storage, listings and summaries all see the same name:
 * {@code "OpenAI"}, {@code " openai"} and {@code "openai"} are one provider, and
 * {@code "GPT-4o"}, {@code "gpt-4o "} and {@code "openai/gpt-4o"} (at openai) one model.
 *
 * <p>The rule:
 * <ul>
 *   <li>provider: trimmed, lower-case, and a known other spelling replaced by the price
 *       catalog's name ({@code google} → {@code gemini}, {@code together} → {@code together_ai};
 *       see {@link #PROVIDER_ALIASES});</li>
 *   <li>model: trimmed and lower-case (the price catalog matches model names without regard to
 *       case), and one leading {@code <provider>/} removed when that prefix, read as a provider,
 *       is the provider given with the model: {@code openai} + {@code openai/gpt-4o} is
 *       {@code gpt-4o} (repeated, so the form of a canonical name is itself). Any other
 *       {@code /} stays: {@code openrouter} + {@code openai/gpt-4o} and {@code together_ai} +
 *       {@code meta-llama/llama-3.3-70b-instruct-turbo} are real model ids.
 *       Without a provider a model is only trimmed and lower-cased.</li>
 *   <li>task type: trimmed and lower-case ({@code " Code"} is {@code code}); free text otherwise,
 *       as Tekton's components send their own ({@code chat}, {@code text_generation}, ...), and
 *       {@value #DEFAULT_TASK_TYPE} when a usage or check names none.</li>
 * </ul>
 * Pure functions over constants: the form of a name never depends on the catalog of the day.
 */
public final class CanonicalNames {
    /** Other spellings callers use for a catalog provider: each line the catalog's name, then the others. */
    private static final Map<String, String> PROVIDER_ALIASES = aliases(
            List.of("gemini", "google", "google_ai_studio"),
            List.of("vertex_ai", "vertex", "vertexai"),
            List.of("azure", "azure_openai", "azure-openai"),
            List.of("mistral", "mistralai"),
            List.of("xai", "x-ai"),
            List.of("together_ai", "together", "together-ai"),
            List.of("fireworks_ai", "fireworks", "fireworks-ai"),
            List.of("bedrock", "aws"),
            List.of("amazon_nova", "amazon-nova"));

    /** The task type of a usage or check that names none (Tekton's default too). */
    public static final String DEFAULT_TASK_TYPE = "default";

    private CanonicalNames() {
    }

    /** Each other spelling to the catalog's name (the first of its list); a spelling given twice fails. */
    @SafeVarargs
    private static Map<String, String> aliases(List<String>... names) {
        return Stream.of(names).flatMap(n -> n.stream().skip(1).map(other -> Map.entry(other, n.get(0))))
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** The canonical task type; {@code null} stays {@code null}. */
    public static String taskType(String taskType) {
        return taskType == null ? null : taskType.strip().toLowerCase(Locale.ROOT);
    }

    /** The canonical provider name; {@code null} stays {@code null}. */
    public static String provider(String provider) {
        if (provider == null) {
            return null;
        }
        String p = provider.strip().toLowerCase(Locale.ROOT);
        return PROVIDER_ALIASES.getOrDefault(p, p);
    }

    /**
     * The canonical model name as given with {@code provider} (either in any spelling, or
     * {@code null}); {@code null} stays {@code null}.
     */
    public static String model(String provider, String model) {
        if (model == null) {
            return null;
        }
        String m = model.strip().toLowerCase(Locale.ROOT);
        String p = provider == null ? null : provider(provider);
        // Repeated prefixes go too (openai/openai/gpt-4o): the canonical form of a canonical name is itself.
        for (int slash = m.indexOf('/'); p != null && slash > 0 && slash < m.length() - 1; slash = m.indexOf('/')) {
            if (!provider(m.substring(0, slash)).equals(p)) {
                break;
            }
            m = m.substring(slash + 1).strip();
        }
        return m;
    }
}
