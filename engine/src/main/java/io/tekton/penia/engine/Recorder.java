package io.tekton.penia.engine;

import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Period;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.model.UsageRecord;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Recording usage: pricing, replays of a request id, settling a hold, booking the record into
 * the counters and the ledger.
 */
final class Recorder {
    private final EngineContext ctx;
    private static final int IDEMPOTENCY_CACHE = 200_000;

    private final Counters counters;
    private final Holds holds;
    private final Breakers breakers;
    private final BudgetBook book;
    private final Supplier<Pricer> pricer;
    private final Map<String, CompletableFuture<UsageRecord>> recentRequests =
            new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<UsageRecord>> e) {
                    return size() > IDEMPOTENCY_CACHE;
                }
            };
    private final Idempotency idempotency = new Idempotency();

    /** A hold the record names, as known before the lock: live (status null) or as stored. */
    private record Known(Reservation hold, String status) {
        static final Known NONE = new Known(null, null);
    }

    Recorder(EngineContext ctx, Counters counters, Holds holds, Breakers breakers, BudgetBook book,
             Supplier<Pricer> pricer) {
        this.ctx = ctx;
        this.counters = counters;
        this.holds = holds;
        this.breakers = breakers;
        this.book = book;
        this.pricer = pricer;
    }

    /** Forgets the recent request ids and settles kept in memory (the ledger still has them). */
    void clear() {
        recentRequests.clear();
        idempotency.clear();
    }

    RecordResult record(UsageInput in) {
        Instant now = counters.now();
        Instant ts = timestamp(in, now);
        Optional<RecordResult> replay = in.requestId() == null ? Optional.empty() : replay(in.requestId());
        UsageRecord rec = priced(in, ts, now);
        if (replay.isPresent()) {
            return sameBody(in, rec, replay.get().record());
        }
        Known known = knownHold(in);
        return ctx.lock().mutate(c -> book(in, rec, known, now, c));
    }

    /** The usage's time (now when it names none), refused too far ahead of or behind the clock. */
    private Instant timestamp(UsageInput in, Instant now) {
        Instant ts = in.timestamp() == null ? now : in.timestamp().truncatedTo(ChronoUnit.MILLIS);
        if (ts.isAfter(now.plus(ctx.cfg().maxTimestampSkew()))) {
            throw PeniaException.invalid("timestamp", "is in the future (more than "
                    + ctx.cfg().maxTimestampSkew().toSeconds() + " s of clock skew)");
        }
        if (ts.isBefore(now.minus(ctx.cfg().maxBackdate()))) {
            throw PeniaException.invalid("timestamp", "is more than " + ctx.cfg().maxBackdate().toDays()
                    + " days in the past (engine.max_backdate_days)");
        }
        return ts;
    }

    /** The record to book: its cost as reported, else as priced now, else zero and unpriced. */
    private UsageRecord priced(UsageInput in, Instant ts, Instant now) {
        Money cost;
        String source;
        String version = null;
        if (in.cost() != null) {
            cost = in.cost();
            source = "reported";
        } else {
            Optional<Pricer.Priced> priced = pricer.get().price(in.provider(), in.model(), in.inputTokens(),
                    in.outputTokens(), in.cachedInputTokens(), in.cacheWriteTokens(), in.reasoningTokens());
            cost = priced.map(Pricer.Priced::cost).orElse(Money.ZERO);
            Money.checkRecordCost("cost", cost);
            source = priced.isPresent() ? "computed" : "unpriced";
            version = priced.map(Pricer.Priced::priceVersion).orElse(null);
        }
        return new UsageRecord(0, Ids.next("rec", now.toEpochMilli()), in.requestId(), ts, in.component(),
                in.provider(), in.model(), in.taskType(), in.inputTokens(), in.outputTokens(), in.cachedInputTokens(),
                in.cacheWriteTokens(), in.reasoningTokens(), cost, source, version, in.reservationId());
    }

    /** The hold the usage names: live, or as stored (a settled one is a conflict naming its record). */
    private Known knownHold(UsageInput in) {
        if (in.reservationId() == null) {
            return Known.NONE;
        }
        Reservation live = ctx.lock().read(() -> holds.get(in.reservationId()));
        if (live != null) {
            return new Known(live, null);
        }
        Reservation stored = ctx.store().findReservation(in.reservationId())
                .orElseThrow(() -> PeniaException.notFound("reservation", in.reservationId()));
        if (Reservation.SETTLED.equals(stored.status())) {
            throw Idempotency.settledConflict(in.reservationId(), settlingRecord(in.reservationId()));
        }
        return new Known(stored, stored.status());
    }

    /** Under the lock: settles the hold, applies the record, raises alerts, submits the writes. */
    private RecordResult book(UsageInput in, UsageRecord rec, Known known, Instant now, Change c) {
        holds.expireDue(now, c.events);
        if (in.requestId() != null && recentRequests.containsKey(in.requestId())) {
            CompletableFuture<UsageRecord> earlier = recentRequests.get(in.requestId());
            return ctx.lock().unlocked(() -> sameBody(in, rec, EngineLock.await(earlier)));
        }
        counters.checkLedgerRoom(rec);
        ctx.lock().requireRoom();
        Reservation settled = null;
        String status = known.status();
        if (in.reservationId() != null) {
            settled = holds.take(in.reservationId());
            if (settled == null) {
                CompletableFuture<String> by = idempotency.settledBy(in.reservationId());
                if (by != null) {
                    // Another record settled it (maybe still committing): the winner books, this one nothing.
                    throw ctx.lock().unlocked(() -> Idempotency.settledConflict(in.reservationId(), EngineLock.await(by)));
                }
                status = closedStatus(known, now);
            }
        }
        Collection<BudgetState> affected = affected(rec, settled);
        Map<BudgetState, Map<Period, Long>> before = new HashMap<>();
        for (BudgetState s : affected) {
            counters.roll(s, now, c.events);
            before.put(s, Counters.used(s));
        }
        if (settled != null) {
            // The actual cost replaces the hold.
            holds.release(settled);
            status = Reservation.SETTLED;
        }
        counters.apply(rec, +1);
        for (BudgetState s : affected) {
            breakers.afterChange(s, before.get(s), now, false, c.out);
        }
        if (counters.anomalies.hasFindings()) {
            breakers.anomalies(counters.anomalies.drain(), Duration.ofSeconds(book.defaults().cooldownSeconds()), now,
                    c.out);
        }
        if ("unpriced".equals(rec.costSource())) {
            breakers.unpriced(rec.provider(), rec.model(), Duration.ofSeconds(book.defaults().cooldownSeconds()), now,
                    c.out);
        }
        Reservation done = settled;
        submit(in, rec, done, now, c);
        c.afterCommit(() -> committed(rec, done, affected));
        return new RecordResult(rec, true, status);
    }

    /** The budgets the record counts against: those it matches, and those its settled hold held. */
    private Collection<BudgetState> affected(UsageRecord rec, Reservation settled) {
        List<BudgetState> matched = counters.matching(rec.component(), rec.provider(), rec.model(), rec.taskType());
        return settled == null ? matched : counters.union(matched, settled.budgetIds());
    }

    /** Offers the record (and the hold's close) under the lock; a repeat or second settle then waits for it. */
    private void submit(UsageInput in, UsageRecord rec, Reservation settled, Instant now, Change c) {
        c.write(ctx.store().insertUsage(rec));
        if (settled != null) {
            c.write(ctx.store().closeReservation(settled.reservationId(), Reservation.SETTLED, now));
        }
        CompletableFuture<Void> f = c.submit();
        if (in.requestId() != null) {
            recentRequests.put(in.requestId(), f.thenApply(v -> rec));
        }
        if (settled != null) {
            idempotency.settling(settled.reservationId(), f.thenApply(v -> rec.recordId()));
        }
        c.undo(() -> {
            counters.apply(rec, -1);
            if (in.requestId() != null) {
                recentRequests.remove(in.requestId());
            }
            if (settled != null) {
                idempotency.undo(settled.reservationId());
                holds.restoreUnlessDue(settled, counters.now());
            }
        });
    }

    /** After the commit: the totals, then the listeners (usage, the settled hold, each budget). */
    private void committed(UsageRecord rec, Reservation settled, Collection<BudgetState> affected) {
        ctx.stats().recordsTotal.incrementAndGet();
        ctx.stats().costTotalMicros.addAndGet(rec.cost().micros());
        ctx.listeners().fire(l -> l.onUsage(rec));
        if (settled != null) {
            Reservation done = settled.withStatus(Reservation.SETTLED);
            ctx.listeners().fire(l -> l.onReservation(done));
        }
        for (BudgetState s : affected) {
            ctx.listeners().budgetChanged(s.budget.budgetId());
        }
    }

    /**
     * A replayed request id: the stored record when the body is the same (telling the hold's
     * status now, if it named one), else a conflict naming the fields that differ.
     */
    private RecordResult sameBody(UsageInput in, UsageRecord candidate, UsageRecord stored) {
        List<String> differ = Idempotency.differences(in, candidate, stored);
        if (!differ.isEmpty()) {
            throw Idempotency.bodyConflict(in.requestId(), differ);
        }
        String holdStatus = stored.reservationId() == null ? null
                : holds.find(stored.reservationId()).map(Reservation::status).orElse(null);
        return new RecordResult(stored, false, holdStatus);
    }

    /** The record that settled a hold: from memory for recent settles, else from the ledger. */
    private String settlingRecord(String reservationId) {
        CompletableFuture<String> by = ctx.lock().read(() -> idempotency.settledBy(reservationId));
        return by != null ? EngineLock.await(by) : ctx.store().findSettlingRecordId(reservationId).orElse(null);
    }

    /**
     * How a hold that is no longer live ended, when no record settled it: the stored status
     * once its close is durable; before that (its close is still being committed) expired if
     * its time is up, else released.
     */
    private static String closedStatus(Known known, Instant now) {
        if (known.status() != null && !Reservation.ACTIVE.equals(known.status())) {
            return known.status();
        }
        return known.hold().expiresAt().isAfter(now) ? Reservation.RELEASED : Reservation.EXPIRED;
    }

    private Optional<RecordResult> replay(String requestId) {
        CompletableFuture<UsageRecord> earlier = ctx.lock().read(() -> recentRequests.get(requestId));
        if (earlier != null) {
            return Optional.of(new RecordResult(await(earlier), false, null));
        }
        return ctx.store().findByRequestId(requestId).map(r -> new RecordResult(r, false, null));
    }

    private static <T> T await(CompletableFuture<T> f) {
        return EngineLock.await(f);
    }
}
