package io.tekton.penia.server;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.server.config.PeniaConfig;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Backups, retention and vacuum of the running server's database. Backups are written only into
 * the configured backup directory, under a plain file name; retention and the incremental vacuum
 * run on a schedule (every {@code maintenance.interval_hours}, first ten minutes after start)
 * and on demand ({@code POST /api/v1/admin/retention}).
 */
public final class Maintenance implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Maintenance.class.getName());
    /** A backup's name: letters, digits, dot, dash, underscore; not starting with a dot. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    /** Pages one run of the vacuum frees at most (1 GB of 4 KB pages). */
    private static final long VACUUM_MAX_PAGES = 262_144;

    private final PeniaConfig.Maintenance cfg;
    private final Storage storage;
    private final ZoneId zone;
    private final InstantSource clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("penia-maintenance").daemon(true).unstarted(r));
    private boolean toldNoAutoVacuum;

    Maintenance(PeniaConfig cfg, Storage storage, InstantSource clock) {
        this.cfg = cfg.maintenance();
        this.storage = storage;
        this.zone = cfg.zone();
        this.clock = clock;
    }

    /** Asked before each scheduled run: only the leader of several instances runs it. */
    private volatile java.util.function.BooleanSupplier leading = () -> true;

    void onlyWhen(java.util.function.BooleanSupplier leading) {
        this.leading = leading;
    }

    void start() {
        if (storage instanceof io.tekton.penia.engine.store.postgres.PgStorage) {
            LOG.log(System.Logger.Level.INFO, "database " + storage.location() + " is PostgreSQL: no scheduled retention"
                    + " or vacuum (its autovacuum reclaims space; back it up with pg_dump)");
            return;
        }
        long every = cfg.interval().toMinutes();
        scheduler.scheduleWithFixedDelay(this::scheduled, Math.min(10, every), every, TimeUnit.MINUTES);
    }

    private void scheduled() {
        if (!leading.getAsBoolean()) {
            // A follower's database is the leader's: retention and vacuum are the leader's to run.
            return;
        }
        try {
            retention();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "scheduled retention and vacuum failed (next try in "
                    + cfg.interval().toHours() + " h): " + e.getMessage(), e);
        }
    }

    /**
     * Writes a consistent copy of the live database to {@code name} in the backup directory
     * (null: {@code penia-<UTC time>.db}); the answer has the copy's file, size, schema version
     * and ledger totals at the copy's instant.
     */
    public Map<String, Object> backup(String name) {
        String n = name == null ? "penia-" + STAMP.format(clock.instant()) + ".db" : name;
        Path target = target(n);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new PeniaException(ErrorCode.CONFLICT, "a backup named " + n + " already exists in the backup"
                    + " directory; choose another name", Map.of("file", n));
        }
        Storage.Snapshot s;
        try {
            s = storage.backup(target);
        } catch (IllegalArgumentException e) {
            throw new PeniaException(ErrorCode.CONFLICT, e.getMessage(), Map.of("file", n));
        }
        LOG.log(System.Logger.Level.INFO, "backup written: " + s.file() + " (" + s.sizeBytes() + " bytes, schema "
                + s.schemaVersion() + ", ledger cost " + Money.ofMicros(s.costMicros()).usd().toPlainString() + " USD)");
        return view(s);
    }

    /** The backup directory's file of that name; anything but a plain file name is refused. */
    private Path target(String name) {
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw PeniaException.invalid("file", "must be a plain file name (letters, digits, '.', '-', '_'; at most"
                    + " 128 characters, not starting with '.'): backups are written only into the backup directory");
        }
        Path dir = cfg.backupDir();
        try {
            Path p = dir.resolve(name).normalize();
            if (!dir.equals(p.getParent())) {
                throw PeniaException.invalid("file", "must be a plain file name in the backup directory");
            }
            return p;
        } catch (InvalidPathException e) {
            throw PeniaException.invalid("file", "not a valid file name");
        }
    }

    /** A copy's answer: the file and what it holds, in the words of {@code /usage/summary}. */
    static Map<String, Object> view(Storage.Snapshot s) {
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("total_cost", Money.ofMicros(s.costMicros()).usd());
        totals.put("total_input_tokens", s.inputTokens());
        totals.put("total_output_tokens", s.outputTokens());
        totals.put("count", s.records());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", s.file().toString());
        m.put("name", s.file().getFileName().toString());
        m.put("size_bytes", s.sizeBytes());
        m.put("schema_version", s.schemaVersion());
        m.put("totals", totals);
        m.put("ledger_rows", s.ledgerRows());
        return m;
    }

    /**
     * Archives the raw ledger rows older than the configured months (nothing when 0), then
     * gives free pages back to the file system. One run at a time.
     */
    public synchronized Map<String, Object> retention() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("retention_months", cfg.retentionMonths());
        if (cfg.retentionMonths() > 0) {
            Instant cutoff = YearMonth.from(clock.instant().atZone(zone)).minusMonths(cfg.retentionMonths())
                    .atDay(1).atStartOfDay(zone).toInstant();
            Storage.Archived r = storage.archiveBefore(cutoff, cfg.archiveDir(), zone);
            m.put("archived_before", r.archivedBefore().toString());
            m.put("rows_archived", r.rows());
            m.put("months", r.months().stream().map(x -> Map.<String, Object>of("month", x.month(),
                    "file", x.file().toString(), "rows", x.rows(), "cost", Money.ofMicros(x.costMicros()).usd())).toList());
        } else {
            m.put("archived_before", storage.ledger().archivedBefore().map(Instant::toString).orElse(null));
            m.put("rows_archived", 0L);
            m.put("months", List.of());
        }
        Storage.Vacuumed v = storage.vacuum(VACUUM_MAX_PAGES);
        if (!"incremental".equals(v.autoVacuum()) && !toldNoAutoVacuum) {
            toldNoAutoVacuum = true;
            LOG.log(System.Logger.Level.INFO, "database " + storage.location() + " has auto_vacuum=" + v.autoVacuum()
                    + " (created before Penia set it): freed pages are reused but the file does not shrink;"
                    + " a backup restored with 'bin/penia restore' has incremental vacuum on");
        }
        m.put("vacuum", Map.of("auto_vacuum", v.autoVacuum(), "freed_pages", v.freedPages(),
                "free_pages_left", v.freePagesLeft(), "page_size_bytes", v.pageSizeBytes()));
        return m;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
