package io.tekton.penia.engine.price;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelQualityTest {
    private static final ModelQuality TABLE = ModelQuality.shipped();

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0, claude-sonnet-4-5",
            "us-gov-east-1/anthropic.claude-sonnet-4-5-20250929-v1:0, claude-sonnet-4-5",
            "anthropic/claude-sonnet-4.5, claude-sonnet-4-5",
            "claude-sonnet-4-5@20250929, claude-sonnet-4-5",
            "databricks-claude-sonnet-4-5, claude-sonnet-4-5",
            "accounts/fireworks/models/llama-v3p3-70b-instruct, llama-3-3-70b",
            "meta.llama3-3-70b-instruct-v1:0, llama-3-3-70b",
            "Meta-Llama-3_3-70B-Instruct, llama-3-3-70b",
            "@cf/meta/llama-3.3-70b-instruct-fp8-fast, llama-3-3-70b",
            "deepseek.v3.2, deepseek-v3-2",
            "deepseek-v3, deepseek-v3",
            "gpt-4o-2024-08-06, gpt-4o"})
    void normalise_removesRoutesRegionsSnapshotsAndPackaging(String name, String normalised) {
        assertThat(ModelQuality.normalise(name)).isEqualTo(normalised);
    }

    @Test
    void identity_isOneModelAcrossResellersAndRegions() {
        List<String> sonnet = List.of("claude-sonnet-4-5", "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "anthropic/claude-sonnet-4.5", "claude-sonnet-4-5@20250929", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assertThat(sonnet).allSatisfy(n -> assertThat(TABLE.identity(n)).isEqualTo("claude-sonnet-4-5"));
        assertThat(TABLE.identity("mistral-large-latest")).isEqualTo("mistral-large-3");
        assertThat(TABLE.identity("mistral-large-2512")).isEqualTo("mistral-large-3");
        assertThat(TABLE.identity("claude-sonnet-4-20250514")).isEqualTo("claude-sonnet-4");
        assertThat(TABLE.identity("gpt-4o-mini")).isEqualTo("gpt-4o-mini");
        assertThat(TABLE.identity("gpt-4o-search-preview")).isEqualTo("gpt-4o-search-preview");
        assertThat(TABLE.of("gpt-4o-search-preview")).isEmpty();
    }

    @Test
    void table_everyIdIsItsOwnModel_andLinesOrderGenerations() {
        assertThat(TABLE.of("claude-sonnet-4-5")).hasValueSatisfying(e -> {
            assertThat(e.codeTier()).isEqualTo(ModelQuality.MAX_TIER);
            assertThat(TABLE.of("claude-sonnet-4").orElseThrow().olderThan(e)).isTrue();
            assertThat(e.olderThan(TABLE.of("claude-sonnet-5").orElseThrow())).isTrue();
            assertThat(e.olderThan(TABLE.of("gpt-5").orElseThrow())).isFalse();
        });
        for (String id : List.of("gpt-5-6", "claude-opus-4", "devstral-2", "gemma-2-27b", "open-mixtral-8x22b",
                "qwen3-coder-480b-a35b", "kimi-k2-thinking", "llama-3-3-70b", "deepseek-v3-0324", "o3")) {
            assertThat(TABLE.identity(id)).as(id).isEqualTo(id);
        }
        assertThat(ModelQuality.tierName(6)).isEqualTo("frontier");
        assertThat(ModelQuality.tierName(0)).isEqualTo("unknown");
    }

    @Test
    void read_malformedRow_namesTheLine() {
        String bad = "# header\nok-model - - 3 3 =\nbroken - - 9 3 =\n";
        assertThatThrownBy(() -> ModelQuality.read(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("line 3").hasMessageContaining("tier");
    }
}
