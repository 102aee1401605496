package io.tekton.penia.engine;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.UsageRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The two promises of recording: a request id names one usage (a replay with another body is
 * a conflict, never a silent drop), and a hold settles once (like a pending transfer posted
 * once). Keeps which record settled each recent hold, so that a settle racing the winner's
 * commit is answered with the winner; older holds are found in the ledger. Not thread-safe:
 * the engine calls it under its lock.
 */
final class Idempotency {
    /** Holds whose settling record is kept in memory (the rest are looked up in the ledger). */
    private static final int SETTLED_CACHE = 200_000;

    private final Map<String, CompletableFuture<String>> settledBy = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<String>> e) {
            return size() > SETTLED_CACHE;
        }
    };

    /** Forgets the settles kept in memory (the ledger still has them). */
    void clear() {
        settledBy.clear();
    }

    /** Notes that {@code recordId} settles a hold; the future completes when the record is durable. */
    void settling(String reservationId, CompletableFuture<String> recordId) {
        settledBy.put(reservationId, recordId);
    }

    /** Forgets a settle whose write failed (the hold is live again, or expired). */
    void undo(String reservationId) {
        settledBy.remove(reservationId);
    }

    /** The record that settled a hold (maybe still being committed), null if not known here. */
    CompletableFuture<String> settledBy(String reservationId) {
        return settledBy.get(reservationId);
    }

    /**
     * The fields of a replayed request that differ from the stored record. Compared is what
     * the caller sent and the ledger keeps: names (in their stored form), token counts and
     * reservation id always; cost and timestamp only when the replay gives them (without them
     * the server computes a cost or takes the time, which a retry cannot be expected to know).
     */
    static List<String> differences(UsageInput in, UsageRecord candidate, UsageRecord stored) {
        List<String> out = new ArrayList<>();
        differs(out, "component", candidate.component(), stored.component());
        differs(out, "provider", candidate.provider(), stored.provider());
        differs(out, "model", candidate.model(), stored.model());
        differs(out, "task_type", candidate.taskType(), stored.taskType());
        differs(out, "input_tokens", candidate.inputTokens(), stored.inputTokens());
        differs(out, "output_tokens", candidate.outputTokens(), stored.outputTokens());
        differs(out, "cached_input_tokens", candidate.cachedInputTokens(), stored.cachedInputTokens());
        differs(out, "cache_write_tokens", candidate.cacheWriteTokens(), stored.cacheWriteTokens());
        differs(out, "reasoning_tokens", candidate.reasoningTokens(), stored.reasoningTokens());
        if (in.cost() != null) {
            differs(out, "cost", candidate.cost().micros(), stored.cost().micros());
        }
        if (in.timestamp() != null) {
            differs(out, "timestamp", candidate.timestamp(), stored.timestamp());
        }
        differs(out, "reservation_id", candidate.reservationId(), stored.reservationId());
        return out;
    }

    private static void differs(List<String> out, String field, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            out.add(field);
        }
    }

    /** A request id replayed with another body: nothing is written, the fields are named. */
    static PeniaException bodyConflict(String requestId, List<String> fields) {
        return new PeniaException(ErrorCode.CONFLICT, "request_id '" + requestId + "' was already recorded with a"
                + " different " + String.join(", ", fields) + "; a request_id names one usage (use a new one for"
                + " another call)", Map.of("field", "request_id", "request_id", requestId, "fields", List.copyOf(fields)));
    }

    /** A second settle of a settled hold: nothing is written, the settling record is named. */
    static PeniaException settledConflict(String reservationId, String recordId) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("field", "reservation_id");
        details.put("reservation_id", reservationId);
        details.put("status", Reservation.SETTLED);
        if (recordId != null) {
            details.put("record_id", recordId);
        }
        return new PeniaException(ErrorCode.CONFLICT, "reservation '" + reservationId + "' is already settled"
                + (recordId == null ? "" : " by record '" + recordId + "'") + "; a hold settles once", details);
    }
}
