package io.tekton.penia.engine.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CanonicalNamesTest {
    @Test
    void provider_isTrimmedLowerCaseWithAliasesResolved() {
        assertThat(CanonicalNames.provider(" OpenAI ")).isEqualTo("openai");
        assertThat(CanonicalNames.provider("Google")).isEqualTo("gemini");
        assertThat(CanonicalNames.provider(null)).isNull();
    }

    @Test
    void model_dropsOnlyItsOwnProvidersPrefix() {
        assertThat(CanonicalNames.model("openai", "GPT-4o ")).isEqualTo("gpt-4o");
        assertThat(CanonicalNames.model(" OpenAI", "openai/GPT-4o")).isEqualTo("gpt-4o");
        assertThat(CanonicalNames.model("gemini", "google/gemini-2.5-pro")).isEqualTo("gemini-2.5-pro");
        assertThat(CanonicalNames.model("openrouter", "openai/gpt-4o")).isEqualTo("openai/gpt-4o");
        assertThat(CanonicalNames.model("bedrock", "bedrock/us-east-1/x")).isEqualTo("us-east-1/x");
        assertThat(CanonicalNames.model(null, "openai/gpt-4o")).isEqualTo("openai/gpt-4o");
        assertThat(CanonicalNames.model("openai", "openai/")).isEqualTo("openai/");
        assertThat(CanonicalNames.model("openai", "openai/ OpenAI/gpt-4o")).isEqualTo("gpt-4o");
        assertThat(CanonicalNames.model("openai", null)).isNull();
    }

    @Test
    void canonicalForm_isAFixedPoint() {
        String p = CanonicalNames.provider(" Anthropic");
        String m = CanonicalNames.model(" Anthropic", "anthropic/Claude-Sonnet-4-5");
        assertThat(CanonicalNames.provider(p)).isEqualTo(p);
        assertThat(CanonicalNames.model(p, m)).isEqualTo(m).isEqualTo("claude-sonnet-4-5");
        assertThat(new Scope(null, " Anthropic", "anthropic/Claude-Sonnet-4-5").matches(null, p, m, "default")).isTrue();
    }
}
