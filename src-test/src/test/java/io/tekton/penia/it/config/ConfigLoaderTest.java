package io.tekton.penia.it.config;

import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.config.ConfigException;
import io.tekton.penia.server.config.ConfigLoader;
import io.tekton.penia.server.config.PeniaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The shipped {@code config/penia.yaml} overridden by the environment (SPEC §1): each variable
 * takes effect, and an invalid setting stops start-up with a message that lists every bad key.
 */
class ConfigLoaderTest {
    static final Path SHIPPED = Path.of(TestServer.repoRoot(), "config", "penia.yaml");

    @Test
    void shippedDefaults_matchTheSpec() {
        PeniaConfig c = ConfigLoader.load(SHIPPED, Map.of());
        assertThat(c.server().port()).isEqualTo(8113);
        assertThat(c.server().host()).isEqualTo("127.0.0.1");
        assertThat(c.zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(c.security().adminKey()).isNull();
        assertThat(c.engine().maxBackdate()).isEqualTo(java.time.Duration.ofDays(400));
        assertThat(c.security().corsOrigins()).containsExactly("http://localhost:8080", "http://127.0.0.1:8080");
        assertThat(c.security().allowedHosts()).isEmpty();
    }

    @Test
    void backdateWindow_isSetByEnvironment_andBounded() {
        assertThat(ConfigLoader.load(SHIPPED, Map.of("PENIA_MAX_BACKDATE_DAYS", "30")).engine().maxBackdate())
                .isEqualTo(java.time.Duration.ofDays(30));
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(SHIPPED, Map.of("PENIA_MAX_BACKDATE_DAYS", "0")));
        assertThat(e.problems()).singleElement().asString().startsWith("engine.max_backdate_days (PENIA_MAX_BACKDATE_DAYS)");
    }

    @Test
    void concurrentRequestBound_defaults1024_isSetByEnvironment_andBounded() {
        assertThat(ConfigLoader.load(SHIPPED, Map.of()).server().maxConcurrentRequests()).isEqualTo(1024);
        assertThat(ConfigLoader.load(SHIPPED, Map.of("PENIA_MAX_CONCURRENT_REQUESTS", "8")).server()
                .maxConcurrentRequests()).isEqualTo(8);
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(SHIPPED, Map.of("PENIA_MAX_CONCURRENT_REQUESTS", "0")));
        assertThat(e.problems()).singleElement().asString()
                .startsWith("server.max_concurrent_requests (PENIA_MAX_CONCURRENT_REQUESTS)");
    }

    @Test
    void advertisedUrl_isUnsetByDefault_setByEnvironment_andOnlyABaseUrl() {
        assertThat(ConfigLoader.load(SHIPPED, Map.of()).server().advertiseUrl()).isNull();
        assertThat(ConfigLoader.load(SHIPPED, Map.of("PENIA_ADVERTISE_URL", "http://penia-2.internal:8113/")).server()
                .advertiseUrl()).isEqualTo("http://penia-2.internal:8113");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(SHIPPED, Map.of("PENIA_ADVERTISE_URL", "http://penia-2.internal:8113/api")));
        assertThat(e.problems()).singleElement().asString().startsWith("server.advertise_url (PENIA_ADVERTISE_URL)");
    }

    @Test
    void browserLists_comeCommaSeparatedFromTheEnvironment_andBadEntriesAreListed(@TempDir Path dir) throws IOException {
        PeniaConfig c = ConfigLoader.load(SHIPPED, Map.of("PENIA_CORS_ORIGINS", " https://UI.example.com/ ,http://[::1]:3000",
                "PENIA_ALLOWED_HOSTS", "penia.internal, *"));
        assertThat(c.security().corsOrigins()).containsExactly("https://ui.example.com", "http://[::1]:3000");
        assertThat(c.security().allowedHosts()).containsExactly("penia.internal", "*");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(SHIPPED, Map.of(
                "PENIA_CORS_ORIGINS", "http://ok.example,ftp://x,http://x/path", "PENIA_ALLOWED_HOSTS", "http://h:1")));
        assertThat(e).isNotNull();
        assertThat(e.problems()).hasSize(3);
        assertThat(e.getMessage()).contains("PENIA_CORS_ORIGINS").contains("ftp://x").contains("http://x/path")
                .contains("PENIA_ALLOWED_HOSTS");
        // The old MCP-only list is refused with a pointer to the one list.
        Path yaml = dir.resolve("penia.yaml");
        Files.writeString(yaml, "mcp:\n  allowed_origins: [http://a.example]\n");
        ConfigException moved = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, Map.of()));
        assertThat(moved).isNotNull();
        assertThat(moved.getMessage()).contains("security.cors_origins").contains("PENIA_CORS_ORIGINS");
    }

    @Test
    void environment_overridesTheFile() {
        PeniaConfig c = ConfigLoader.load(SHIPPED, Map.of("PENIA_PORT", "9001", "PENIA_TIMEZONE", "America/New_York",
                "PENIA_DB", "/tmp/x.db", "PENIA_ADMIN_KEY", "0123456789abcdef", "PENIA_HOST", "0.0.0.0"));
        assertThat(c.server().port()).isEqualTo(9001);
        assertThat(c.zone()).isEqualTo(ZoneId.of("America/New_York"));
        assertThat(c.database().path()).isEqualTo(Path.of("/tmp/x.db"));
        assertThat(c.security().adminKey()).isEqualTo("0123456789abcdef");
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
    }

    /** Inside Tekton (SPEC §1): HERMES_URL from TEKTON_HOST and HERMES_PORT when unset; BUDGET_PORT when PENIA_PORT is unset. */
    @Test
    void tektonEnvironment_derivesHermesUrl_andTakesBudgetPort() {
        PeniaConfig tekton = ConfigLoader.load(SHIPPED, Map.of("TEKTON_HOST", "coder-b.local", "HERMES_PORT", "8001",
                "BUDGET_PORT", "8013"));
        assertThat(tekton.hermes().url().toString()).isEqualTo("http://coder-b.local:8001");
        assertThat(tekton.server().port()).isEqualTo(8013);
        // Only HERMES_PORT: Hermes on localhost, as Tekton's own URL builder does.
        assertThat(ConfigLoader.load(SHIPPED, Map.of("HERMES_PORT", "8001")).hermes().url().toString())
                .isEqualTo("http://localhost:8001");
        // Only TEKTON_HOST: Tekton's Hermes port.
        assertThat(ConfigLoader.load(SHIPPED, Map.of("TEKTON_HOST", "coder-b.local")).hermes().url().toString())
                .isEqualTo("http://coder-b.local:8001");
        // HERMES_URL and PENIA_PORT win.
        PeniaConfig explicit = ConfigLoader.load(SHIPPED, Map.of("TEKTON_HOST", "coder-b.local", "HERMES_PORT", "8001",
                "HERMES_URL", "http://hermes.example:9000", "BUDGET_PORT", "8013", "PENIA_PORT", "8113"));
        assertThat(explicit.hermes().url().toString()).isEqualTo("http://hermes.example:9000");
        assertThat(explicit.server().port()).isEqualTo(8113);
        // Nothing from Tekton: the file's URL.
        assertThat(ConfigLoader.load(SHIPPED, Map.of()).hermes().url().toString()).isEqualTo("http://localhost:8101");
        ConfigException bad = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(SHIPPED,
                Map.of("HERMES_PORT", "eighty", "BUDGET_PORT", "70000")));
        assertThat(bad.problems()).hasSize(2);
        assertThat(bad.getMessage()).contains("HERMES_PORT").contains("BUDGET_PORT");
    }

    @Test
    void everyBadSetting_isListed_inOneRefusal() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(SHIPPED,
                Map.of("PENIA_PORT", "eighty", "PENIA_TIMEZONE", "Mars/Olympus", "PENIA_HERMES", "maybe",
                        "PENIA_HOST", "0.0.0.0")));
        assertThat(e).isNotNull();
        assertThat(e.problems()).hasSize(4);
        assertThat(e.getMessage()).contains("PENIA_PORT").contains("PENIA_TIMEZONE").contains("PENIA_HERMES")
                .contains("PENIA_HOST");
        ConfigException range = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(SHIPPED, Map.of("PENIA_PORT", "99999")));
        assertThat(range.problems()).containsExactly("server.port (PENIA_PORT): must be between 0 and 65535, got 99999");
    }

    /** A short admin key is the operator's choice (a warning at start, not a refusal); an empty one in the file is refused. */
    @Test
    void adminKey_anyNonEmptyValue_isTaken(@TempDir Path dir) throws IOException {
        assertThat(ConfigLoader.load(SHIPPED, Map.of("PENIA_ADMIN_KEY", "test-key")).security().adminKey())
                .isEqualTo("test-key");
        // An empty variable is as good as unset: open mode on loopback.
        assertThat(ConfigLoader.load(SHIPPED, Map.of("PENIA_ADMIN_KEY", "")).security().adminKey()).isNull();
        Path yaml = dir.resolve("penia.yaml");
        Files.writeString(yaml, "security:\n  admin_key: \"  \"\n");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, Map.of()));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("security.admin_key");
    }
}
