package io.tekton.penia.engine.store.sqlite;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Checks of {@code usage_rollup} against the ledger rows it sums. */
final class RollupCheck {
    /** A ledger row {@code u} belongs to the rollup row {@code r}: its 15-minute bucket, component, provider, model, task type. */
    private static final String ITS_ROWS = "(u.ts_ms / 1000 / 900) * 900 = r.bucket_s AND u.component = r.component"
            + " AND u.provider = r.provider AND u.model = r.model AND u.task_type = r.task_type";

    private RollupCheck() {
    }

    /** How many rollup rows have a seq interval (min_seq to max_seq) other than that of their ledger rows. */
    static long offTheirInterval(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM usage_rollup r"
                + " WHERE r.min_seq IS NOT (SELECT MIN(u.seq) FROM usage_records u WHERE " + ITS_ROWS + ")"
                + " OR r.max_seq IS NOT (SELECT MAX(u.seq) FROM usage_records u WHERE " + ITS_ROWS + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
