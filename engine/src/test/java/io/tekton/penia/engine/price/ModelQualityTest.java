package io.tekton.penia.engine.price;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelQualityTest {
    private static final ModelQuality TABLE = ModelQuality.shipped();

    @Test
    void normalise_removesRoutesRegionsSnapshotsAndPackaging() {
        assertThat(ModelQuality.normalise("eu.anthropic.claude-sonnet-4-5-20250929-v1:0")).isEqualTo("claude-sonnet-4-5");
        assertThat(ModelQuality.normalise("us-gov-east-1/anthropic.claude-sonnet-4-5-20250929-v1:0"))
                .isEqualTo("claude-sonnet-4-5");
        assertThat(ModelQuality.normalise("anthropic/claude-sonnet-4.5")).isEqualTo("claude-sonnet-4-5");
        assertThat(ModelQuality.normalise("claude-sonnet-4-5@20250929")).isEqualTo("claude-sonnet-4-5");
        assertThat(ModelQuality.normalise("databricks-claude-sonnet-4-5")).isEqualTo("claude-sonnet-4-5");
        assertThat(ModelQuality.normalise("accounts/fireworks/models/llama-v3p3-70b-instruct")).isEqualTo("llama-3-3-70b");
        assertThat(ModelQuality.normalise("meta.llama3-3-70b-instruct-v1:0")).isEqualTo("llama-3-3-70b");
        assertThat(ModelQuality.normalise("Meta-Llama-3_3-70B-Instruct")).isEqualTo("llama-3-3-70b");
        assertThat(ModelQuality.normalise("@cf/meta/llama-3.3-70b-instruct-fp8-fast")).isEqualTo("llama-3-3-70b");
        assertThat(ModelQuality.normalise("deepseek.v3.2")).isEqualTo("deepseek-v3-2");
        assertThat(ModelQuality.normalise("deepseek-v3")).isEqualTo("deepseek-v3");
        assertThat(ModelQuality.normalise("gpt-4o-2024-08-06")).isEqualTo("gpt-4o");
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
