package io.tekton.penia.server;

import io.tekton.penia.assistant.AssistantContext;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.EngineConfig;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.engine.Pricer;
import io.tekton.penia.engine.price.PriceCatalog;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.server.config.PeniaConfig;
import io.tekton.penia.tools.BudgetTools;
import io.tekton.penia.tools.PeniaTool;

import java.time.Duration;
import java.time.InstantSource;

/** What every way of serving Penia shares: the storage, the engine, prices, tools, context. */
record Core(Storage storage, BudgetEngine engine, PriceBook prices, BudgetTools tools, AssistantContext assistant,
            DbOwner owner) {

    /**
     * Takes the database file for this process ({@code command}: serve or mcp-stdio), then opens
     * it; {@link DbOwner.InUseException} when another process owns it.
     */
    static Core open(PeniaConfig cfg, InstantSource clock, String command) {
        // A SQLite file has one owner process (its sidecar lock); PostgreSQL is shared by design (issue 23).
        DbOwner owner = cfg.database().isPostgres() ? DbOwner.none() : DbOwner.acquire(cfg.database().path(), command);
        Storage storage;
        try {
            storage = Storage.open(cfg.database().storage());
            if (storage instanceof io.tekton.penia.engine.store.postgres.PgStorage pg) {
                // One of several instances: it writes nothing until it leads (see cluster.Leadership).
                pg.setBatchGuard(io.tekton.penia.engine.store.postgres.PgLeaderLock.REFUSE_UNTIL_LEADING);
            }
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
        try {
            EngineConfig ec = new EngineConfig(cfg.zone(), clock, cfg.engine().reservationTtl(),
                    cfg.engine().maxReservationTtl(), cfg.engine().evaluationInterval(), cfg.alerts().thresholds(),
                    cfg.alerts().warningPercent(), cfg.alerts().stopPercent(), cfg.alerts().cooldown(),
                    cfg.engine().writerQueueCapacity(), cfg.engine().writerMaxBatch(), Duration.ofMinutes(5),
                    cfg.engine().maxBackdate());
            BudgetEngine engine = BudgetEngine.open(ec, storage, Pricer.none());
            engine.configureForecasting(cfg.engine().forecast(), cfg.engine().anomaly());
            PriceBook prices = new PriceBook(PriceCatalog.loadDefault(), storage);
            engine.setPricer(prices);
            if (!cfg.database().isPostgres()) {
                // Over PostgreSQL the leader seeds, once elected (PeniaServer.elect).
                engine.seedIfEmpty(cfg.seedBudgets());
            }
            BudgetTools tools = new BudgetTools(engine, prices);
            AssistantContext assistant = new AssistantContext(engine, tools.all().stream().map(PeniaTool::name).toList());
            return new Core(storage, engine, prices, tools, assistant, owner);
        } catch (RuntimeException e) {
            storage.close();
            owner.close();
            throw e;
        }
    }

    void close() {
        engine.close();
        storage.close();
        owner.close();
    }
}
