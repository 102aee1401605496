package io.tekton.penia.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.StorageConfig;
import io.tekton.penia.server.config.PeniaConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@code bin/penia backup FILE} and {@code bin/penia restore FILE}. A backup asks the server that
 * owns the database (its URL is in the lock file; the admin key from {@code PENIA_ADMIN_KEY})
 * for an online copy (written into its backup directory, then moved to FILE), or copies the file itself, under its lock, when no process owns it. A
 * restore takes the lock first, so it never replaces a live database; it checks the copy
 * (integrity, a schema version this Penia knows) before it moves anything, and keeps the file
 * it replaces beside it.
 */
record BackupCommands(PeniaConfig cfg, PrintStream out, PrintStream err) {
    /** Runs {@code backup} or {@code restore}; the process exit code. */
    int run(String cmd, String[] args) {
        if (args.length != 2 || args[1].isBlank()) {
            err.println("usage: bin/penia " + cmd + " FILE");
            return 2;
        }
        if (cfg.database().isPostgres()) {
            err.println("penia: " + cmd + " copies a SQLite file, but PENIA_DB names PostgreSQL ("
                    + cfg.database().describe() + "): use pg_dump and pg_restore (or pg_basebackup) there");
            return 2;
        }
        Path file = Path.of(args[1]).toAbsolutePath().normalize();
        try {
            return cmd.equals("backup") ? backup(file) : restore(file);
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("penia: " + e.getMessage());
            return e instanceof DbOwner.InUseException ? 1 : 2;
        } catch (IOException e) {
            err.println("penia: " + cmd + " failed: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private int backup(Path target) throws IOException, InterruptedException {
        if (Files.exists(target)) {
            err.println("penia: " + target + " already exists; name a new file");
            return 2;
        }
        Path db = cfg.database().path();
        DbOwner owner;
        try {
            owner = DbOwner.acquire(db, "backup");
        } catch (DbOwner.InUseException e) {
            return backupThroughServer(e.owner(), target);
        }
        try (owner) {
            print(Maintenance.view(Storage.copyOffline(StorageConfig.sqlite(db, 1), target)));
            return 0;
        }
    }

    /** The owner writes the copy into its backup directory; it is then moved to the target. */
    private int backupThroughServer(DbOwner.Owner owner, Path target) throws IOException, InterruptedException {
        if (owner.url() == null) {
            err.println("penia: database " + cfg.database().path() + " is in use by " + owner.describe()
                    + ", which serves no HTTP to ask for a backup; stop it, or back up through the server that owns it");
            return 1;
        }
        String name = "cli-" + UUID.randomUUID() + ".db";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(owner.url() + "/api/v1/admin/backup"))
                .timeout(Duration.ofHours(1))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.mapper().writeValueAsString(Map.of("file", name))));
        if (cfg.security().adminKey() != null) {
            b.header("X-API-Key", cfg.security().adminKey());
        }
        HttpResponse<String> r;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
        if (r.statusCode() != 201) {
            err.println("penia: the server at " + owner.url() + " refused the backup (HTTP " + r.statusCode() + "): "
                    + r.body());
            return 1;
        }
        JsonNode body = Json.mapper().readTree(r.body());
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = Json.mapper().convertValue(body, LinkedHashMap.class);
        // Written under a temporary name in the server's backup directory (the only place it
        // writes), then moved where this command was asked to put it.
        move(Path.of(body.get("file").asText()), target);
        answer.put("file", target.toString());
        answer.put("name", target.getFileName().toString());
        answer.put("through", owner.url());
        print(answer);
        return 0;
    }

    private int restore(Path from) throws IOException {
        Path db = cfg.database().path().toAbsolutePath().normalize();
        if (from.equals(db)) {
            err.println("penia: " + from + " is the database itself");
            return 2;
        }
        try (DbOwner owner = DbOwner.acquire(db, "restore")) {
            Storage.Snapshot s = Storage.inspectBackup(from);
            // The restored file must not meet the old one's WAL: the old files move aside together.
            Path aside = null;
            if (Files.exists(db)) {
                aside = db.resolveSibling(db.getFileName() + ".before-restore-" + Instant.now().toEpochMilli());
                for (String suffix : new String[]{"", "-wal", "-shm"}) {
                    Path p = Path.of(db + suffix);
                    if (Files.exists(p)) {
                        Files.move(p, Path.of(aside + suffix));
                    }
                }
            }
            Path partial = db.resolveSibling("." + db.getFileName() + ".restoring");
            Files.copy(from, partial, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            move(partial, db);
            Map<String, Object> answer = Maintenance.view(Storage.inspectBackup(db));
            answer.put("restored_from", from.toString());
            answer.put("previous", aside == null ? null : aside.toString());
            answer.put("source_schema_version", s.schemaVersion());
            print(answer);
            return 0;
        } catch (DbOwner.InUseException e) {
            err.println("penia: refusing to restore over a live database: " + db + " is in use by "
                    + e.owner().describe() + "; stop it first");
            return 1;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.copy(from, to);
            Files.delete(from);
        }
    }

    private void print(Map<String, Object> m) throws IOException {
        out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
    }
}
