package io.tekton.penia.engine.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The port's factory and the SQLite backend's handling of writes it did not make. */
class StorageTest {

    @Test
    void theUrlSchemeChoosesTheBackend_aBarePathIsSqlite(@TempDir Path dir) {
        assertThat(StorageConfig.sqlite(dir.resolve("a.db"), 2).backend()).isEqualTo("sqlite");
        assertThat(new StorageConfig(dir.resolve("a.db").toString(), 2).backend()).isEqualTo("sqlite");
        assertThat(new StorageConfig("C:\\penia\\a.db", 2).backend()).isEqualTo("sqlite");
        assertThatThrownBy(() -> Storage.open(new StorageConfig("nosuch://host/db", 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown storage backend 'nosuch'");
        assertThatThrownBy(() -> new StorageConfig("sqlite:x.db", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesRunThroughTheWriterTheEngineStarts_aForeignWriteIsRefused(@TempDir Path dir) throws Exception {
        try (Storage s = Storage.open(StorageConfig.sqlite(dir.resolve("p.db"), 2))) {
            assertThat(s.location()).isEqualTo(dir.resolve("p.db").toString());
            assertThat(s.isUsable()).isTrue();
            assertThatThrownBy(s::writer).isInstanceOf(IllegalStateException.class);
            CommitQueue w = s.startWriter(16, 8);
            assertThatThrownBy(() -> s.startWriter(16, 8)).isInstanceOf(IllegalStateException.class);

            w.submit(Write.all(List.of(s.ledger().putSetting("a", "1"),
                    s.ledger().putJsonSetting("b", Map.of("n", 2))))).get(10, TimeUnit.SECONDS);
            assertThat(s.ledger().getSetting("a")).contains("1");
            assertThat(s.ledger().getJsonSetting("b")).contains(Map.of("n", 2));

            Write foreign = new Write() { };
            assertThatThrownBy(() -> w.submit(foreign).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("not a SQLite write");
            assertThatThrownBy(() -> w.submit(Write.all(List.of(s.ledger().putSetting("c", "3"), foreign)))
                    .get(10, TimeUnit.SECONDS)).hasMessageContaining("not a SQLite write");
            assertThat(s.ledger().getSetting("c")).isEmpty();
            assertThat(w.failures()).isZero();
        }
    }
}
