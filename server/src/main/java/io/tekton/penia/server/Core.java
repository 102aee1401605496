package io.tekton.penia.server;

import io.tekton.penia.assistant.AssistantContext;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.EngineConfig;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.engine.Pricer;
import io.tekton.penia.engine.price.PriceCatalog;
import io.tekton.penia.engine.store.Database;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.StoreException;
import io.tekton.penia.server.config.PeniaConfig;
import io.tekton.penia.tools.BudgetTools;
import io.tekton.penia.tools.PeniaTool;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

/** What every way of serving Penia shares: the database, the engine, prices, tools, context. */
record Core(Database db, BudgetEngine engine, PriceBook prices, BudgetTools tools, AssistantContext assistant,
            DbOwner owner) {

    /**
     * Takes the database file for this process ({@code command}: serve or mcp-stdio), then opens
     * it; {@link DbOwner.InUseException} when another process owns it.
     */
    static Core open(PeniaConfig cfg, InstantSource clock, String command) {
        DbOwner owner = DbOwner.acquire(cfg.database().path(), command);
        Database db;
        try {
            db = Database.open(cfg.database().path(), cfg.database().poolSize());
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
        try {
            LedgerStore store = new LedgerStore(db);
            EngineConfig ec = new EngineConfig(cfg.zone(), clock, cfg.engine().reservationTtl(),
                    cfg.engine().maxReservationTtl(), cfg.engine().evaluationInterval(), cfg.alerts().thresholds(),
                    cfg.alerts().warningPercent(), cfg.alerts().stopPercent(), cfg.alerts().cooldown(),
                    cfg.engine().writerQueueCapacity(), cfg.engine().writerMaxBatch(), Duration.ofMinutes(5),
                    cfg.engine().maxBackdate());
            BudgetEngine engine = BudgetEngine.open(ec, store, Pricer.none());
            engine.configureForecasting(cfg.engine().forecast(), cfg.engine().anomaly());
            PriceBook prices = new PriceBook(PriceCatalog.loadDefault(), store, w -> {
                try {
                    engine.writer().submit(w).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new StoreException("price version not stored: " + e.getMessage(), e);
                }
            });
            engine.setPricer(prices);
            engine.seedIfEmpty(cfg.seedBudgets());
            BudgetTools tools = new BudgetTools(engine, prices);
            AssistantContext assistant = new AssistantContext(engine, tools.all().stream().map(PeniaTool::name).toList());
            return new Core(db, engine, prices, tools, assistant, owner);
        } catch (RuntimeException e) {
            db.close();
            owner.close();
            throw e;
        }
    }

    void close() {
        engine.close();
        db.close();
        owner.close();
    }
}
