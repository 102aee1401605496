package io.tekton.penia.engine.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which storage to open: {@code sqlite:<file>} (or a bare file path, which is SQLite) and the
 * size of its connection pool. The backend is the URL's scheme; {@link Storage#open} picks it.
 */
public record StorageConfig(String url, int poolSize) {
    public StorageConfig {
        Objects.requireNonNull(url, "url");
        if (poolSize < 1) {
            throw new IllegalArgumentException("storage pool size must be at least 1, was " + poolSize);
        }
    }

    /** A SQLite file. */
    public static StorageConfig sqlite(Path file, int poolSize) {
        return new StorageConfig("sqlite:" + file, poolSize);
    }

    /** The backend's name: the URL's scheme ({@code sqlite} for a bare path). */
    public String backend() {
        int colon = url.indexOf(':');
        // "C:\..." is a path, not a scheme: a scheme has more than one letter.
        return colon > 1 && url.substring(0, colon).matches("[a-z][a-z0-9+.-]*") ? url.substring(0, colon) : "sqlite";
    }

    /** The file of a SQLite storage. */
    public Path sqliteFile() {
        return Path.of(url.startsWith("sqlite:") ? url.substring("sqlite:".length()) : url);
    }
}
