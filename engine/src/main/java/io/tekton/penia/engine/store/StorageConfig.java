package io.tekton.penia.engine.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which storage to open: {@code sqlite:<file>} (or a bare file path, which is SQLite), or a
 * PostgreSQL URL ({@code postgresql://}, {@code postgres://}, {@code jdbc:postgresql://}; the
 * password in it or in {@code password}), and the size of its connection pool. The backend is the URL's scheme; {@link Storage#open} picks it.
 */
public record StorageConfig(String url, int poolSize, String password) {
    public StorageConfig {
        Objects.requireNonNull(url, "url");
        if (poolSize < 1) {
            throw new IllegalArgumentException("storage pool size must be at least 1, was " + poolSize);
        }
    }

    /** Without a separate password (SQLite, or a PostgreSQL URL that carries its own or needs none). */
    public StorageConfig(String url, int poolSize) {
        this(url, poolSize, null);
    }

    /** A PostgreSQL database; {@code password} (PENIA_DB_PASSWORD) is used when the URL has none. */
    public static StorageConfig postgres(String url, String password, int poolSize) {
        return new StorageConfig(url, poolSize, password);
    }

    /** The PostgreSQL URL parsed, with the password. */
    public io.tekton.penia.engine.store.postgres.PgUrl postgresUrl() {
        return io.tekton.penia.engine.store.postgres.PgUrl.parse(url, password);
    }

    /** The URL with any password hidden: safe to log (the record's own toString would show it). */
    @Override
    public String toString() {
        if (!backend().equals("postgresql")) {
            return url;
        }
        try {
            return postgresUrl().toString();
        } catch (IllegalArgumentException e) {
            return "postgresql://(not a valid URL)";
        }
    }

    /** A SQLite file. */
    public static StorageConfig sqlite(Path file, int poolSize) {
        return new StorageConfig("sqlite:" + file, poolSize);
    }

    /** The backend's name: the URL's scheme ({@code sqlite} for a bare path). */
    public String backend() {
        if (io.tekton.penia.engine.store.postgres.PgUrl.isPostgres(url)) {
            return "postgresql";
        }
        int colon = url.indexOf(':');
        // "C:\..." is a path, not a scheme: a scheme has more than one letter.
        return colon > 1 && url.substring(0, colon).matches("[a-z][a-z0-9+.-]*") ? url.substring(0, colon) : "sqlite";
    }

    /** The file of a SQLite storage. */
    public Path sqliteFile() {
        return Path.of(url.startsWith("sqlite:") ? url.substring("sqlite:".length()) : url);
    }
}
