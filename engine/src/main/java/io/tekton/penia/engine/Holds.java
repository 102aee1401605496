package io.tekton.penia.engine;

import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Money;
import io.tekton.penia.engine.model.Reservation;
import io.tekton.penia.engine.store.Write;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The live holds (reservations): by id, by expiry, and the sum each budget has on hold by them;
 * taking, releasing, restoring and expiring them, and keeping each budget's reserved counter
 * equal to the sum of its open holds. Guarded by the engine ctx.lock().
 */
final class Holds {
    private final EngineContext ctx;
    private final Counters counters;
    private final Map<String, Reservation> reservations = new HashMap<>();
    /**
     * Live holds by expiry (then id). A hold leaves it when it is settled or released, not
     * only when it expires: a queue that dropped settled holds only at their expiry kept every
     * hold of the last TTL (ten minutes) in memory, millions under load, and their copying
     * made young GC pauses of 12-16 ms.
     */
    private final TreeSet<Reservation> expiries = new TreeSet<>(
            Comparator.comparing(Reservation::expiresAt).thenComparing(Reservation::reservationId));
    /** Per budget id, the sum of the open holds naming it: kept apart from the counters to check them. */
    private final Map<String, Long> heldMicros = new HashMap<>();

    Holds(EngineContext ctx, Counters counters) {
        this.ctx = ctx;
        this.counters = counters;
    }

    /** Forgets every hold (before a {@link #load} of a reload). */
    void clear() {
        reservations.clear();
        expiries.clear();
        heldMicros.clear();
    }

    /** Loads the stored live holds; each counts against the budgets it names that exist. */
    void load(List<Reservation> active) {
        for (Reservation r : active) {
            track(r);
            for (String id : r.budgetIds()) {
                BudgetState s = counters.get(id);
                if (s != null) {
                    s.reservedMicros = Math.addExact(s.reservedMicros, r.amount().micros());
                }
            }
        }
        for (BudgetState s : counters.all()) {
            check(s, "load");
        }
    }

    Reservation get(String id) {
        return reservations.get(id);
    }

    /** A hold: the live one from memory, else as the ledger has it. */
    Optional<Reservation> find(String id) {
        Reservation r = ctx.lock().read(() -> reservations.get(id));
        return r != null ? Optional.of(r) : ctx.store().findReservation(id);
    }

    int size() {
        return reservations.size();
    }

    int awaitingExpiry() {
        return expiries.size();
    }

    /** How many live holds count against this budget. */
    int countFor(String budgetId) {
        int n = 0;
        for (Reservation r : reservations.values()) {
            n += r.budgetIds().contains(budgetId) ? 1 : 0;
        }
        return n;
    }

    /** Keeps a new hold whose amount the caller has added to each of its budgets' reserved. */
    void add(Reservation hold) {
        track(hold);
        checkBudgetsOf(hold, "hold");
    }

    /** Removes a live hold (its budgets' reserved still count it until {@link #release}); null when none. */
    Reservation take(String id) {
        Reservation r = reservations.remove(id);
        if (r != null) {
            expiries.remove(r);
            held(r, -1);
        }
        return r;
    }

    /** Releases a live hold before it expires; the held amount returns to every budget. */
    Reservation release(String reservationId) {
        Instant now = counters.now();
        return ctx.lock().mutate(c -> {
            expireDue(now, c.events);
            ctx.lock().requireRoom();
            Reservation r = take(reservationId);
            if (r == null) {
                Optional<Reservation> stored = ctx.store().findReservation(reservationId);
                if (stored.isEmpty()) {
                    throw PeniaException.notFound("reservation", reservationId);
                }
                throw new PeniaException(ErrorCode.CONFLICT, "reservation '" + reservationId + "' is already "
                        + stored.get().status(), Map.of("reservation_id", reservationId, "status", stored.get().status()));
            }
            release(r);
            c.write(ctx.store().closeReservation(reservationId, Reservation.RELEASED, now));
            c.undo(() -> restore(r));
            Reservation done = r.withStatus(Reservation.RELEASED);
            c.afterCommit(() -> {
                ctx.listeners().fire(l -> l.onReservation(done));
                for (String id : r.budgetIds()) {
                    ctx.listeners().budgetChanged(id);
                }
            });
            return done;
        });
    }

    /** Gives a taken hold's amount back to each of its budgets. */
    void release(Reservation r) {
        for (String id : r.budgetIds()) {
            BudgetState s = counters.get(id);
            if (s != null) {
                s.reservedMicros = Math.subtractExact(s.reservedMicros, r.amount().micros());
            }
        }
        checkBudgetsOf(r, "release");
    }

    /** Puts back a hold whose release was not committed (a due one then expires as usual). */
    void restore(Reservation r) {
        if (!reservations.containsKey(r.reservationId())) {
            track(r);
            addReserved(r);
        }
    }

    /** Puts back a hold whose settle was not committed, unless its time is up. */
    void restoreUnlessDue(Reservation r, Instant now) {
        if (r.expiresAt().isAfter(now)) {
            reservations.put(r.reservationId(), r);
            expiries.add(r);
            held(r, +1);
            addReserved(r);
        }
    }

    private void addReserved(Reservation r) {
        for (String id : r.budgetIds()) {
            BudgetState s = counters.get(id);
            if (s != null) {
                s.reservedMicros = Math.addExact(s.reservedMicros, r.amount().micros());
            }
        }
        checkBudgetsOf(r, "restore");
    }

    /**
     * Detaches each active hold naming a retired budget id from it (its share for that budget
     * is released; it stays open for the other budgets it counts against). Adds the writes;
     * returns what undoes it in memory.
     */
    Runnable detach(String id, List<Write> writes) {
        List<Reservation[]> detached = new ArrayList<>();
        for (Reservation r : reservations.values()) {
            if (r.budgetIds().contains(id)) {
                List<String> ids = new ArrayList<>(r.budgetIds());
                ids.removeIf(id::equals);
                detached.add(new Reservation[]{r, new Reservation(r.reservationId(), r.component(), r.provider(),
                        r.model(), r.amount(), ids, r.createdAt(), r.expiresAt(), r.status())});
            }
        }
        for (Reservation[] pair : detached) {
            swap(pair[0], pair[1]);
            writes.add(ctx.store().setReservationBudgets(pair[1].reservationId(), pair[1].budgetIds()));
        }
        return () -> {
            for (Reservation[] pair : detached) {
                if (reservations.get(pair[1].reservationId()) == pair[1]) {
                    swap(pair[1], pair[0]);
                }
            }
        };
    }

    /** Replaces a live hold by another version of it (same id and expiry). */
    private void swap(Reservation from, Reservation to) {
        reservations.put(to.reservationId(), to);
        expiries.remove(from);
        expiries.add(to);
        held(from, -1);
        held(to, +1);
    }

    /** Expires every hold due at {@code now}; exact to the clock, called before each decision. */
    void expireDue(Instant now, List<Runnable> events) {
        while (!expiries.isEmpty() && !expiries.first().expiresAt().isAfter(now)) {
            Reservation r = expiries.first();
            if (reservations.get(r.reservationId()) != r) {
                expiries.pollFirst();
                continue;
            }
            // Never waits under the lock: with the writer full the hold stays held (a little past its
            // time, never less) until a later call finds room for its close.
            if (EngineLock.refused(ctx.writer().offer(ctx.store().closeReservation(r.reservationId(), Reservation.EXPIRED,
                    r.expiresAt())))) {
                return;
            }
            take(r.reservationId());
            release(r);
            ctx.stats().reservationsExpired.incrementAndGet();
            Reservation done = r.withStatus(Reservation.EXPIRED);
            events.add(() -> {
                ctx.listeners().fire(l -> l.onReservation(done));
                for (String id : done.budgetIds()) {
                    ctx.listeners().budgetChanged(id);
                }
            });
        }
    }

    /** Refuses a hold that would put more than {@link Money#MAX_MICROS} on hold on any budget; changes nothing. */
    static void checkRoom(List<BudgetState> matched, Money estimate) {
        for (BudgetState s : matched) {
            if (estimate.micros() > Money.MAX_MICROS - s.reservedMicros) {
                throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "estimated_cost: the hold would put more than "
                        + Money.MAX_MICROS / 1_000_000 + " USD on hold on budget '" + s.budget.budgetId()
                        + "' (it has " + Money.ofMicros(s.reservedMicros).usd().toPlainString() + " on hold)",
                        Map.of("field", "estimated_cost", "budget_id", s.budget.budgetId()));
            }
        }
    }

    private void track(Reservation r) {
        reservations.put(r.reservationId(), r);
        expiries.add(r);
        held(r, +1);
    }

    private void held(Reservation r, int sign) {
        for (String id : r.budgetIds()) {
            long v = Math.addExact(heldMicros.getOrDefault(id, 0L), sign * r.amount().micros());
            if (v == 0) {
                heldMicros.remove(id);
            } else {
                heldMicros.put(id, v);
            }
        }
    }

    private void checkBudgetsOf(Reservation r, String after) {
        for (String id : r.budgetIds()) {
            BudgetState s = counters.get(id);
            if (s != null) {
                check(s, after);
            }
        }
    }

    private void check(BudgetState s, String after) {
        Invariants.countersNonNegative(s, after);
        Invariants.holdsMatchReserved(s, heldMicros.getOrDefault(s.budget.budgetId(), 0L), after);
    }
}
