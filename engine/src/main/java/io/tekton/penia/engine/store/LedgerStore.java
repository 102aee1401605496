package io.tekton.penia.engine.store;

import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.UsageRecord;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ledger's part of the storage port: the writes the engine submits to the {@link
 * CommitQueue} (usage, holds, budgets, alerts, breakers, settings, price versions) and the reads
 * it makes at start-up and for history queries. No rules: a backend stores and finds rows.
 * Budget bodies, JSON settings and price bodies are (de)serialised by the backend.
 */
public interface LedgerStore {
    /** Seconds in one rollup bucket; every real time zone's offset is a multiple of it. */
    long BUCKET_SECONDS = 900;
    /** The dedupe-key prefix of an alert whose budget was deleted (see {@link #retireBudgetState}). */
    String RETIRED_ALERT = "#retired|";
    /** The settings key of the retention watermark: ledger rows before it are archived (epoch ms). */
    String ARCHIVED_BEFORE = "ledger.archived_before_ms";

    static long bucketOf(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), BUCKET_SECONDS) * BUCKET_SECONDS;
    }

    // ---- writes -------------------------------------------------------------------------

    /** Appends one usage record (a duplicate record or request id fails the write) and adds it to its rollup row. */
    Write insertUsage(UsageRecord r);

    /** Stores a budget (created again when it was deleted). */
    Write upsertBudget(Budget b);

    Write deleteBudget(String budgetId, Instant at);

    Write insertReservation(Reservation r);

    /** Closes a hold that is still active ({@code status}: settled, released or expired). */
    Write closeReservation(String reservationId, String status, Instant at);

    Write insertAlert(Alert a, String dedupeKey);

    Write addSuppressed(String alertId, long n);

    Write dismissAlert(String alertId);

    Write upsertBreaker(String budgetId, Period p, Instant periodStart, String state, Instant at, Long resetSpentMicros);

    /**
     * Parts a budget id from what an earlier budget of that id left (issue 17): its breaker rows
     * go, and its fired alerts stay as history but no longer dedupe (their key becomes
     * {@code #retired|<alert_id>}, which no live key can equal), so a budget created again
     * under the id starts with a closed breaker and fires its thresholds again.
     */
    Write retireBudgetState(String budgetId);

    /** Sets the budgets an active hold counts against (a deleted budget's share is released). */
    Write setReservationBudgets(String reservationId, List<String> budgetIds);

    Write putSetting(String key, String value);

    /** Stores a setting whose value is a JSON object. */
    Write putJsonSetting(String key, Map<String, ?> value);

    /** Stores a price version; its id is in {@code versionOut[0]} once the write is committed. */
    Write insertPriceVersion(String provider, String model, Map<String, ?> body, Instant effective, long[] versionOut);

    // ---- reads --------------------------------------------------------------------------

    /** The budgets not deleted, oldest first. */
    List<Budget> loadBudgets();

    boolean hasAnyBudgetEverBeenStored();

    /** One rollup row: a bucket's sums for one component/provider/model/task type. */
    record RollupRow(long bucketSecond, String component, String provider, String model, String taskType,
                     long costMicros, long inputTokens, long outputTokens, long count) {
    }

    /** The rollup rows of the buckets in [from, to). */
    List<RollupRow> loadRollups(Instant from, Instant to);

    List<Reservation> loadActiveReservations();

    Optional<Reservation> findReservation(String id);

    /** Alerts created at or after {@code since}, newest last, each with its dedupe key ("" for none). */
    List<Map.Entry<Alert, String>> loadAlertsSince(Instant since);

    /** Alerts matching the filters (null: any), newest first. */
    List<Alert> queryAlerts(String budgetId, String severity, Boolean dismissed, int limit);

    Optional<Alert> findAlert(String alertId);

    /** A stored circuit-breaker state. */
    record StoredBreaker(String budgetId, Period period, Instant periodStart, String state, Instant changedAt,
                         Long resetSpentMicros) {
    }

    List<StoredBreaker> loadBreakers();

    Optional<String> getSetting(String key);

    /** A setting stored by {@link #putJsonSetting}. */
    Optional<Map<String, Object>> getJsonSetting(String key);

    /** A stored price version. */
    record StoredPrice(long versionId, String provider, String model, Map<String, Object> body, Instant effectiveAt) {
    }

    /** Every price version, oldest first. */
    List<StoredPrice> loadPriceVersions();

    Optional<UsageRecord> findByRequestId(String requestId);

    /** The record that settled a hold: the first ledger row carrying its id. */
    Optional<String> findSettlingRecordId(String reservationId);

    /** Filters of a ledger query; null fields match anything. */
    record UsageFilter(String component, String provider, String model, String taskType, Instant start,
                       Instant end) {
        /** Provider, model and task type filters in their canonical form: they compare with stored canonical names. */
        public UsageFilter {
            provider = CanonicalNames.provider(provider);
            model = CanonicalNames.model(provider, model);
            taskType = CanonicalNames.taskType(taskType);
        }

        /** A filter over every task type. */
        public UsageFilter(String component, String provider, String model, Instant start, Instant end) {
            this(component, provider, model, null, start, end);
        }
    }

    /** Ledger rows matching the filter, newest first, strictly before {@code beforeSeq} when given. */
    List<UsageRecord> queryUsage(UsageFilter f, Long beforeSeq, int limit);

    /** Sums of the raw ledger rows matching the filter (exact, used for partial buckets), per bucket or in one. */
    List<RollupRow> sumRaw(UsageFilter f, boolean byHourBucket);

    /** Rollup rows in whole buckets [from, to) matching the filter's dimensions. */
    List<RollupRow> sumRollups(UsageFilter f, long fromBucket, long toBucket);

    /** Ledger rows with a timestamp before this were archived (retention); empty when none were. */
    Optional<Instant> archivedBefore();

    /**
     * Refuses a sum over raw rows that reaches into the archived months: those rows are gone from
     * the live ledger, so the sum would silently miss them.
     */
    void requireLive(UsageFilter f);

    long countUsage();

    /** The whole ledger's sums from the rollups: {cost micros, input tokens, output tokens}. */
    long[] ledgerTotals();

    long sumCostMicros();
}
