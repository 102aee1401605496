package io.tekton.penia.it.postgres;

import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.server.config.ConfigException;
import io.tekton.penia.server.config.ConfigLoader;
import io.tekton.penia.server.config.PeniaConfig;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** PENIA_DB as a PostgreSQL URL (issue 23): selected, its password from PENIA_DB_PASSWORD, never shown. */
class PgConfigTest {
    static final Path SHIPPED = Path.of(TestServer.repoRoot(), "config", "penia.yaml");

    @Test
    void postgresUrls_selectPostgres_withThePasswordHidden() {
        for (String url : new String[]{"postgresql://penia@db.example:5433/ledger", "postgres://penia@db.example:5433/ledger",
                "jdbc:postgresql://db.example:5433/ledger?user=penia"}) {
            PeniaConfig.Database d = ConfigLoader.load(SHIPPED, Map.of("PENIA_DB", url, "PENIA_DB_PASSWORD", "s3cret-pw"))
                    .database();
            assertThat(d.isPostgres()).as(url).isTrue();
            assertThat(d.path()).as(url).isNull();
            assertThat(d.describe()).as(url).isEqualTo("postgresql://penia:***@db.example:5433/ledger");
            assertThat(d.toString()).doesNotContain("s3cret-pw");
            assertThat(d.storage().backend()).isEqualTo("postgresql");
            assertThat(d.storage().toString()).doesNotContain("s3cret-pw");
            assertThat(d.storage().postgresUrl().password()).isEqualTo("s3cret-pw");
        }
        PeniaConfig.Database file = ConfigLoader.load(SHIPPED, Map.of("PENIA_DB", "/tmp/x/penia.db")).database();
        assertThat(file.isPostgres()).isFalse();
        assertThat(file.path()).isEqualTo(Path.of("/tmp/x/penia.db"));
    }

    @Test
    void aBadUrl_stopsTheStart_namingPENIA_DB_withoutItsPassword() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(SHIPPED, Map.of("PENIA_DB", "postgresql://penia:hunter22@/ledger")));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("PENIA_DB").doesNotContain("hunter22");
    }

    @Test
    void postgresNotListening_failsTheStart_namingTheUrlRedacted() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Throwable t = catchThrowable(() -> TestServer.start(Map.of("PENIA_DB",
                "postgresql://penia:hunter22@127.0.0.1:" + port + "/ledger")).close());
        assertThat(t).isNotNull();
        assertThat(t.getMessage()).contains("127.0.0.1:" + port).contains("***").doesNotContain("hunter22");
    }
}
