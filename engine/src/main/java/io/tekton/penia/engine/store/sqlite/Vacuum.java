package io.tekton.penia.engine.store.sqlite;

import io.tekton.penia.engine.store.Storage.Vacuumed;
import io.tekton.penia.engine.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * Gives free pages back to the file system: SQLite's incremental vacuum, run through the ledger
 * writer in slices of {@link #SLICE_PAGES} pages so that records wait at most one slice (about
 * a millisecond per 100 pages). Only a file in {@code auto_vacuum=INCREMENTAL} mode can do this
 * (new files are; see {@link Database}); for an older file this reports its mode and frees nothing.
 */
public final class Vacuum {
    /** Pages freed per writer transaction. */
    static final int SLICE_PAGES = 1_000;

    private Vacuum() {
    }

    /** Frees at most {@code maxPages} free pages. */
    public static Vacuumed incremental(Database db, LedgerWriter writer, long maxPages) {
        long[] before = pages(db);
        String mode = switch ((int) before[0]) {
            case 1 -> "full";
            case 2 -> "incremental";
            default -> "none";
        };
        if (before[0] != 2) {
            return new Vacuumed(mode, 0, before[1], before[2]);
        }
        long left = Math.min(before[1], maxPages);
        while (left > 0) {
            int slice = (int) Math.min(SLICE_PAGES, left);
            try {
                writer.submit(s -> {
                    // Each step of the pragma frees one page and the driver runs one step per
                    // execute, keeping the statement open on its row: it is closed (not cached)
                    // before the writer commits, which an open statement would hold up.
                    Connection c = s.get("PRAGMA freelist_count").getConnection();
                    try (PreparedStatement ps = c.prepareStatement("PRAGMA incremental_vacuum(1)")) {
                        for (int i = 0; i < slice; i++) {
                            ps.execute();
                        }
                    }
                }).get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("vacuum interrupted", e);
            } catch (Exception e) {
                throw new StoreException("incremental vacuum failed: " + e.getMessage(), e);
            }
            left -= slice;
        }
        long[] after = pages(db);
        return new Vacuumed(mode, Math.max(0, before[1] - after[1]), after[1], after[2]);
    }

    /** {auto_vacuum, freelist_count, page_size}. */
    private static long[] pages(Database db) {
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            long[] out = new long[3];
            String[] pragmas = {"auto_vacuum", "freelist_count", "page_size"};
            for (int i = 0; i < pragmas.length; i++) {
                try (ResultSet rs = st.executeQuery("PRAGMA " + pragmas[i])) {
                    out[i] = rs.next() ? rs.getLong(1) : 0;
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("vacuum: cannot read the page counts: " + e.getMessage(), e);
        }
    }
}
