package io.tekton.penia.server;

import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.EngineConfig;
import io.tekton.penia.engine.PriceBook;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.price.PriceCatalog;
import io.tekton.penia.engine.store.Database;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.StoreException;
import io.tekton.penia.server.config.PeniaConfig;
import io.tekton.penia.server.rest.AlertsService;
import io.tekton.penia.server.rest.BudgetsService;
import io.tekton.penia.server.rest.HealthService;
import io.tekton.penia.server.rest.Http;
import io.tekton.penia.server.rest.MiscService;
import io.tekton.penia.server.rest.PricesService;
import io.tekton.penia.server.rest.RequestMetrics;
import io.tekton.penia.server.rest.UsageService;

import java.time.InstantSource;
import java.util.Map;
import java.util.UUID;

/**
 * The composition root: opens the database, the engine and the price book, and serves REST,
 * WebSocket and MCP on one port. Tests start it on port 0 with a temporary database.
 */
public final class PeniaServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PeniaServer.class.getName());
    public static final String VERSION = "0.1.0";

    private final PeniaConfig cfg;
    private final Database db;
    private final BudgetEngine engine;
    private final PriceBook prices;
    private final WebServer web;
    private final Health health;
    private final RequestMetrics requestMetrics = new RequestMetrics();

    private PeniaServer(PeniaConfig cfg, InstantSource clock) {
        this.cfg = cfg;
        this.db = Database.open(cfg.database().path(), cfg.database().poolSize());
        LedgerStore store = new LedgerStore(db);
        EngineConfig ec = new EngineConfig(cfg.zone(), clock, cfg.engine().reservationTtl(),
                cfg.engine().maxReservationTtl(), cfg.engine().evaluationInterval(), cfg.alerts().thresholds(),
                cfg.alerts().warningPercent(), cfg.alerts().stopPercent(), cfg.alerts().cooldown(),
                cfg.engine().writerQueueCapacity(), cfg.engine().writerMaxBatch(), java.time.Duration.ofMinutes(5));
        this.engine = BudgetEngine.open(ec, store, io.tekton.penia.engine.Pricer.none());
        this.prices = new PriceBook(PriceCatalog.loadDefault(), store,
                w -> {
                    try {
                        engine.writer().submit(w).get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new StoreException("price version not stored: " + e.getMessage(), e);
                    }
                });
        engine.setPricer(prices);
        engine.seedIfEmpty(cfg.seedBudgets());
        this.health = new Health(VERSION, db, engine);
        Http http = new Http(cfg.server().maxBodyBytes(), cfg.server().maxPageSize());
        this.web = WebServer.builder()
                .host(cfg.server().host())
                .port(cfg.server().port())
                .maxPayloadSize(Math.max(64L << 20, 4L * cfg.server().maxBodyBytes()))
                .shutdownGracePeriod(cfg.server().shutdownGrace())
                .routing(r -> routing(r, http))
                .build();
    }

    /** Opens everything and starts listening; returns when {@code /health} can answer. */
    public static PeniaServer start(PeniaConfig cfg) {
        return start(cfg, InstantSource.system());
    }

    /** As {@link #start(PeniaConfig)} with an injected clock (tests of period boundaries). */
    public static PeniaServer start(PeniaConfig cfg, InstantSource clock) {
        PeniaServer s = new PeniaServer(cfg, clock);
        s.web.start();
        s.engine.start();
        LOG.log(System.Logger.Level.INFO, "Penia " + VERSION + " listening on http://" + cfg.server().host() + ":"
                + s.port() + " (database " + cfg.database().path() + ", zone " + cfg.zone() + ")");
        return s;
    }

    private void routing(HttpRouting.Builder r, Http http) {
        r.addFilter(requestMetrics);
        r.register("/api/v1/budgets", new BudgetsService(engine, http))
                .register("/api/v1/usage", new UsageService(engine, http))
                .register("/api/v1/budget-alerts", new AlertsService(engine, http))
                .register("/api/v1/alerts", MiscService.alerts(engine, http))
                .register("/api/v1/reservations", MiscService.reservations(engine))
                .register("/api/v1/prices", new PricesService(engine, prices, http))
                .register("/", new HealthService(health, requestMetrics))
                .error(PeniaException.class, (req, res, e) -> Http.error(res, e))
                .error(StoreException.class, (req, res, e) -> {
                    String id = UUID.randomUUID().toString();
                    LOG.log(System.Logger.Level.ERROR, "request " + id + ": database failure", e);
                    Http.error(res, new PeniaException(ErrorCode.UNAVAILABLE, "the ledger is unavailable; retry later",
                            Map.of("request_id", id)));
                })
                .error(Exception.class, (req, res, e) -> {
                    String id = UUID.randomUUID().toString();
                    LOG.log(System.Logger.Level.ERROR, "request " + id + " failed", e);
                    Http.error(res, new PeniaException(ErrorCode.INTERNAL, "internal error",
                            Map.of("request_id", id)));
                })
                .any((req, res) -> {
                    res.status(Status.NOT_FOUND_404);
                    Http.error(res, new PeniaException(ErrorCode.NOT_FOUND,
                            "no route for " + req.prologue().method().text() + " " + req.path().path()));
                });
    }

    public int port() {
        return web.port();
    }

    public BudgetEngine engine() {
        return engine;
    }

    public PriceBook prices() {
        return prices;
    }

    public PeniaConfig config() {
        return cfg;
    }

    /** Stops accepting, lets requests finish, commits queued writes, closes the database. */
    @Override
    public void close() {
        web.stop();
        engine.close();
        db.close();
    }
}
