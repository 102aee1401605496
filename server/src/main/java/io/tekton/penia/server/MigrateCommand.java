package io.tekton.penia.server;

import io.tekton.penia.engine.store.postgres.PgUrl;
import io.tekton.penia.engine.store.postgres.SqliteToPostgres;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code bin/penia migrate-to-postgres --from FILE --to URL} (issue 23): copies a SQLite ledger into an
 * empty PostgreSQL database and verifies it ({@link SqliteToPostgres}). It takes the SQLite file's lock
 * first, as {@code restore} does, so it refuses a file that a running Penia owns. The password comes from
 * the URL or else from {@code PENIA_DB_PASSWORD}. Exit 0 when copied and verified, 2 for a wrong command
 * line, 1 for anything refused or failed (the message says what; the target is left as it was).
 */
public final class MigrateCommand {
    static final String NAME = "migrate-to-postgres";
    private static final String USAGE = "usage: bin/penia " + NAME + " --from FILE --to postgresql://user@host:port/dbname"
            + " (password in the URL or in PENIA_DB_PASSWORD)";

    private MigrateCommand() {
    }

    /**
     * Runs the command; {@code args} starts with its name, as {@code Main} gets it.
     *
     * @return the process exit code
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String from = null;
        String to = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            if ((a.equals("--from") || a.equals("--to")) && value != null && !value.isBlank()) {
                if (a.equals("--from")) {
                    from = value;
                } else {
                    to = value;
                }
                i++;
            } else if (a.startsWith("--from=")) {
                from = a.substring("--from=".length());
            } else if (a.startsWith("--to=")) {
                to = a.substring("--to=".length());
            } else {
                err.println("penia: " + NAME + ": unexpected argument '" + a + "'");
                err.println(USAGE);
                return 2;
            }
        }
        if (from == null || from.isBlank() || to == null || to.isBlank()) {
            err.println(USAGE);
            return 2;
        }
        Path file = Path.of(from).toAbsolutePath().normalize();
        PgUrl url;
        try {
            url = PgUrl.parse(to, env.get("PENIA_DB_PASSWORD"));
        } catch (IllegalArgumentException e) {
            err.println("penia: " + NAME + ": --to: " + e.getMessage().replaceFirst("^PENIA_DB: ", ""));
            return 2;
        }
        if (!Files.isRegularFile(file)) {
            err.println("penia: " + NAME + ": no SQLite database at " + file);
            return 2;
        }
        out.println("penia: copying " + file + " to " + url);
        try (DbOwner owner = DbOwner.acquire(file, NAME)) {
            SqliteToPostgres.Result r = SqliteToPostgres.copy(file, url, out::println);
            report(out, r);
            return 0;
        } catch (DbOwner.InUseException e) {
            err.println("penia: " + NAME + ": refusing to copy a live database: " + file + " is in use by "
                    + e.owner().describe() + "; stop it first");
            return 1;
        } catch (RuntimeException e) {
            err.println("penia: " + NAME + ": " + e.getMessage());
            return 1;
        }
    }

    private static void report(PrintStream out, SqliteToPostgres.Result r) {
        SqliteToPostgres.Totals l = r.ledger();
        SqliteToPostgres.Totals u = r.rollups();
        out.printf("penia: copied and verified %,d rows in %.2f s (%,d rows/s; %.2f s in all, opening both databases and the schema included)%n",
                r.totalRows(), r.copyMillis() / 1000.0, r.rowsPerSecond(), r.totalMillis() / 1000.0);
        out.println("  ledger:  " + l.count() + " records, cost $" + l.cost().stripTrailingZeros().toPlainString() + ", " + l.inputTokens()
                + " input and " + l.outputTokens() + " output tokens (equal on both sides)");
        out.println("  rollups: " + u.count() + " records, cost $" + u.cost().stripTrailingZeros().toPlainString() + ", " + u.inputTokens()
                + " input and " + u.outputTokens() + " output tokens (equal on both sides)");
    }
}
