package io.tekton.penia.engine;

import java.time.Instant;

/** Figures for /health, /metrics and status endpoints. */
public record EngineFigures(int budgets, int activeBudgets, int activeReservations, long recordsTotal, long costTotalMicros,
                            long checksTotal, long blocksTotal, long reservationsExpired, long alertsRaised,
                            long alertsSuppressed, int openBreakers, long writerCommits, long writerWrites,
                            long writerFailures, int writerQueued, long walFrames, long walRestarts, Instant startedAt) {
}
