package io.tekton.penia.it.tekton;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.tekton.penia.it.tekton.Tekton.assertUsd;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dated model ids Tekton's code names (Rhetor's model catalog and defaults, Apollo, the
 * Hephaestus display names, Budget's examples; found by grepping github.com/ckoons/Tekton)
 * are priced from the catalog, not recorded as unpriced. Each: 1,000 input and 500 output tokens.
 */
@PeniaServerTest
class TektonPricesTest {
    static TestServer t;

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({
            // Anthropic retired these; the public catalog keeps their list prices under the Bedrock names.
            "anthropic, claude-3-5-sonnet-20241022, 0.0105",
            "anthropic, claude-3-5-haiku-20241022, 0.0028",
            "anthropic, claude-3-sonnet-20240229, 0.0105",
            "anthropic, claude-3-5-sonnet-20240620, 0.0105",
            // Listed by Anthropic under these names.
            "anthropic, claude-3-opus-20240229, 0.0525",
            "anthropic, claude-3-haiku-20240307, 0.000875",
            "anthropic, claude-3-7-sonnet-20250219, 0.0105",
            "anthropic, claude-sonnet-4-20250514, 0.0105",
            "anthropic, claude-opus-4-20250514, 0.0525",
            "anthropic, claude-opus-4-1-20250805, 0.0525",
            // Rhetor's catalog dates ids that have no such snapshot: the alias of the undated model.
            "anthropic, claude-sonnet-4-20250827, 0.0105",
            "anthropic, claude-opus-4-20250827, 0.0525",
            "openai, gpt-5-20250827, 0.00625",
            "openai, gpt-5-mini-20250827, 0.00125",
            "openai, gpt-5-nano-20250827, 0.00025",
            "openai, gpt-4-1-20250827, 0.006",
            "xai, grok-3-20250827, 0.0105",
            "xai, grok-3-mini-20250827, 0.00055",
    })
    void tektonsDatedModelIds_arePricedFromTheCatalog(String provider, String model, String cost) {
        JsonNode rec = Tekton.record(t, "rhetor", provider, model, 1000, 500);
        assertThat(rec.get("cost_source").asText()).as(rec.toString()).isEqualTo("computed");
        assertThat(rec.get("price_version").isNull()).isFalse();
        assertUsd(rec.get("cost"), cost);
    }
}
