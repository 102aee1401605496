package io.tekton.penia.server.alerts;

import io.tekton.penia.engine.PeriodStatus;
import io.tekton.penia.engine.AlertOutbox;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.EngineListener;
import io.tekton.penia.engine.Ids;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Alert;
import io.tekton.penia.engine.model.Budget;
import io.tekton.penia.engine.model.Channel;
import io.tekton.penia.engine.store.CommitQueue;
import io.tekton.penia.engine.store.Delivery;
import io.tekton.penia.engine.store.DeliveryTable;
import io.tekton.penia.engine.store.LedgerStore;
import io.tekton.penia.engine.store.Storage;
import io.tekton.penia.engine.store.Write;
import io.tekton.penia.server.config.PeniaConfig;
import io.tekton.penia.tools.wire.Views;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Delivers alerts to webhook, Slack and e-mail channels.
 *
 * <p>As the engine's {@link AlertOutbox} it adds, in the transaction of each new alert, one
 * pending row per channel (the budget's channels, else the global ones); the unique key
 * (alert, channel type, target) makes each alert delivered at most once per channel. A poller
 * thread hands due rows to the lane of their destination ({@link DeliveryLanes}: per channel
 * type and host, or the mail server, a bounded number of concurrent sends and a bounded
 * queue), so a receiver that never answers delays only its own deliveries. Each attempt marks
 * its row delivered, pending again after an exponential backoff (same row, same delivery id),
 * or failed after the last attempt. Recording never waits for any of this; pending rows
 * survive a restart and are resumed.
 *
 * <p>Secrets stay in the budget (or the configuration): they are looked up at send time and
 * never written to the outbox, the logs or any response.
 */
public final class AlertDispatcher implements AlertOutbox, EngineListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AlertDispatcher.class.getName());
    /** Due rows looked at per poll, over all destinations. */
    static final int POLL_ROWS = 512;
    /** The poller looks at the table at least this often even without a nudge. */
    static final Duration IDLE_POLL = Duration.ofSeconds(5);
    /** The longest wait between two attempts, whatever the backoff and attempt count. */
    static final Duration MAX_BACKOFF = Duration.ofHours(1);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    private static final Set<String> TYPES = Set.of("webhook", "slack", "email");

    private final BudgetEngine engine;
    private final PeniaConfig.Alerts cfg;
    private final DeliveryTable store;
    /** The delivery rows per status for /health, waited for half a second at most (the database may be down). */
    private final io.tekton.penia.engine.store.BoundedProbe<Map<String, Long>> counts;
    private final LedgerStore ledger;
    private final CommitQueue writer;
    private final HttpChannel http;
    private final MailChannel mail;
    private final String mailServer;
    // Retries are real time, whatever clock the engine runs on.
    private final InstantSource wall = InstantSource.system();
    private final BlockingQueue<Boolean> wake = new ArrayBlockingQueue<>(1);
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final DeliveryLanes lanes;
    private final Thread poller;
    private volatile boolean running;
    private volatile String lastError;
    /** Told of each attempt's outcome: channel type, then delivered, retry or failed (metrics). */
    private volatile java.util.function.BiConsumer<String, String> attempts = (channel, outcome) -> { };

    public AlertDispatcher(BudgetEngine engine, Storage storage, PeniaConfig.Alerts cfg, PeniaConfig.Mail mail,
                           String version) {
        this.engine = engine;
        this.cfg = cfg;
        this.store = storage.deliveries();
        this.counts = new io.tekton.penia.engine.store.BoundedProbe<>("penia-delivery-counts", store::counts, null, 0, 500);
        this.ledger = storage.ledger();
        this.writer = storage.writer();
        this.http = new HttpChannel(version, cfg.deliveryTimeout());
        this.mail = new MailChannel(mail, cfg.deliveryTimeout());
        this.mailServer = "smtp://" + mail.host() + ":" + mail.port();
        this.lanes = new DeliveryLanes(cfg.destinationConcurrency(), cfg.destinationQueueLimit(), this::attempt,
                destination -> destination.startsWith("email "));
        this.poller = Thread.ofPlatform().daemon(true).name("penia-alert-poller").unstarted(this::loop);
    }

    /** Asked before each poll of the outbox: only the leader of several instances delivers. */
    private volatile java.util.function.BooleanSupplier leading = () -> true;

    /** Delivers only while {@code leading} says so (set before {@link #start()}). */
    public void onlyWhen(java.util.function.BooleanSupplier leading) {
        this.leading = leading;
    }

    /** Starts delivering, beginning with whatever was left pending before a restart. */
    public void start() {
        running = true;
        poller.start();
    }

    // ---- the outbox: runs under the engine lock, so only builds writes -------------------

    @Override
    public List<Write> writesFor(Alert alert, Budget budgetOrNull) {
        List<Channel> channels = budgetOrNull != null && !budgetOrNull.channels().isEmpty()
                ? budgetOrNull.channels() : cfg.channels();
        long now = wall.millis();
        List<Write> out = new ArrayList<>(channels.size());
        for (int i = 0; i < channels.size(); i++) {
            Channel c = channels.get(i);
            String target = target(c);
            if (target != null) {
                out.add(store.insert(Ids.next("dlv", now), alert.alertId(), c.type(), target, i, now));
            }
        }
        return out;
    }

    /** A committed alert may have new deliveries: wake the poller (never blocks). */
    @Override
    public void onAlert(Alert alert) {
        nudge();
    }

    private void nudge() {
        wake.offer(Boolean.TRUE);
    }

    /** The URL, or the addresses; null for a channel that cannot be delivered to. */
    static String target(Channel c) {
        if (c.type() == null || !TYPES.contains(c.type())) {
            return null;
        }
        if (c.type().equals("email")) {
            return c.to().isEmpty() ? null : String.join(",", c.to());
        }
        return c.url() == null || c.url().isBlank() ? null : c.url();
    }

    // ---- the poller -----------------------------------------------------------------------

    private void loop() {
        while (running) {
            try {
                if (!leading.getAsBoolean()) {
                    // One delivery owner: a follower leaves the outbox to the leader.
                    wake.poll(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
                    continue;
                }
                long now = wall.millis();
                // A full lane refuses its rows; the others still get theirs.
                int perTarget = cfg.destinationConcurrency() + cfg.destinationQueueLimit();
                for (Delivery d : store.due(now, perTarget, POLL_ROWS)) {
                    if (!running) {
                        break;
                    }
                    dispatch(d);
                }
                long next = store.nextDueAfter(now).orElse(Long.MAX_VALUE);
                long waitMs = Math.clamp(next - wall.millis(), 1, IDLE_POLL.toMillis());
                wake.poll(waitMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "alert delivery poll failed: " + e.getMessage());
                try {
                    wake.poll(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Hands one row to its destination's lane unless it is already there or in flight. */
    private void dispatch(Delivery d) {
        String id = d.deliveryId();
        if (inFlight.add(id) && !lanes.offer(destination(d), id)) {
            // Lane full (or closing): the row stays pending; a finishing send nudges the poller.
            inFlight.remove(id);
        }
    }

    /**
     * Where a row goes, as far as waiting is concerned: the channel type and the URL's scheme,
     * host and port, or the mail server for every e-mail.
     */
    private String destination(Delivery d) {
        if (d.channelType().equals("email")) {
            return "email " + mailServer;
        }
        try {
            java.net.URI u = java.net.URI.create(d.target());
            String host = u.getHost() == null ? "" : u.getHost().toLowerCase(java.util.Locale.ROOT);
            return d.channelType() + " " + u.getScheme() + "://" + host + ":" + u.getPort();
        } catch (IllegalArgumentException e) {
            // Refused for good at its first attempt; one lane for all such rows.
            return d.channelType() + " (invalid URL)";
        }
    }

    // ---- one attempt ----------------------------------------------------------------------

    private void attempt(String deliveryId) {
        try {
            // Re-read under the in-flight claim: the poller's list may predate a commit.
            Optional<Delivery> row = store.find(deliveryId);
            long now = wall.millis();
            if (row.isEmpty() || !row.get().status().equals(Delivery.PENDING) || row.get().nextAttemptMs() > now) {
                return;
            }
            Delivery d = row.get();
            SendResult r = sendOnce(d);
            record(d, r);
        } catch (InterruptedException e) {
            // Shutting down mid-send: the row stays pending, the attempt uncounted.
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            lastError = e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "alert delivery " + deliveryId + " not recorded: " + e.getMessage());
        } finally {
            inFlight.remove(deliveryId);
            nudge();
        }
    }

    private SendResult sendOnce(Delivery d) throws InterruptedException {
        Optional<Alert> alert = ledger.findAlert(d.alertId());
        if (alert.isEmpty()) {
            return SendResult.permanent("alert " + d.alertId() + " not found");
        }
        Alert a = alert.get();
        Optional<Channel> channel = resolve(d, a);
        if (channel.isEmpty()) {
            return SendResult.permanent("channel no longer configured on the budget or globally");
        }
        Channel c = channel.get();
        AlertContent content = content(a);
        return switch (d.channelType()) {
            case "webhook" -> http.post(c.url(), content.webhookJson(), a.alertId(), d.deliveryId(), c.secret());
            case "slack" -> http.post(c.url(), content.slackJson(), a.alertId(), d.deliveryId(), null);
            case "email" -> mail.send(c.to(), content, a.alertId());
            default -> SendResult.permanent("unknown channel type " + d.channelType());
        };
    }

    /**
     * The channel a row was made for, found again by type and target (its secret is not in
     * the row): among the budget's channels, else the global ones.
     */
    private Optional<Channel> resolve(Delivery d, Alert a) {
        List<Channel> own = a.budgetId() == null ? List.of()
                : engine.budget(a.budgetId()).map(Budget::channels).orElse(List.of());
        for (List<Channel> list : List.of(own, cfg.channels())) {
            if (d.channelIndex() < list.size() && matches(list.get(d.channelIndex()), d)) {
                return Optional.of(list.get(d.channelIndex()));
            }
            for (Channel c : list) {
                if (matches(c, d)) {
                    return Optional.of(c);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean matches(Channel c, Delivery d) {
        return d.channelType().equals(c.type()) && d.target().equals(target(c));
    }

    private AlertContent content(Alert a) {
        if (a.budgetId() == null) {
            return new AlertContent(a, null, null);
        }
        Optional<Budget> b = engine.budget(a.budgetId());
        PeriodStatus live = null;
        if (b.isPresent() && a.period() != null) {
            try {
                live = engine.status(a.budgetId()).periods().stream()
                        .filter(p -> p.period() == a.period() && p.start().equals(a.periodStart()))
                        .findFirst().orElse(null);
            } catch (RuntimeException e) {
                // Deleted meanwhile: the alert's own message still carries the amounts.
                live = null;
            }
        }
        return new AlertContent(a, b.map(Budget::name).orElse(null), live);
    }

    private void record(Delivery d, SendResult r) throws InterruptedException {
        int attempts = d.attempts() + 1;
        long now = wall.millis();
        Write w;
        if (r.delivered()) {
            w = store.markDelivered(d.deliveryId(), attempts, now);
            this.attempts.accept(d.channelType(), "delivered");
        } else {
            boolean giveUp = r.permanent() || attempts >= cfg.maxDeliveryAttempts();
            this.attempts.accept(d.channelType(), giveUp ? "failed" : "retry");
            long delayMs = backoffMillis(attempts);
            w = store.markAttemptFailed(d.deliveryId(), attempts, giveUp, giveUp ? now : now + delayMs, r.error());
            lastError = d.channelType() + ": " + r.error();
            LOG.log(System.Logger.Level.WARNING, (giveUp ? "alert delivery failed for good: " : "alert delivery ")
                    + d.deliveryId() + " (" + d.channelType() + " "
                    + redact(d.channelType(), d.target()) + ") attempt " + attempts + "/" + cfg.maxDeliveryAttempts()
                    + " failed: " + r.error() + (giveUp ? "; giving up" : "; retry in " + delayMs + "ms"));
        }
        try {
            writer.submit(w).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("delivery state not stored: " + e, e);
        }
    }

    /** retry_backoff × 2^(attempts−1), at most {@link #MAX_BACKOFF}. */
    long backoffMillis(int attempts) {
        long base = cfg.retryBackoff().toMillis();
        int shift = Math.min(Math.max(attempts - 1, 0), 30);
        long d = base > (MAX_BACKOFF.toMillis() >> shift) ? MAX_BACKOFF.toMillis() : base << shift;
        return Math.min(d, MAX_BACKOFF.toMillis());
    }

    // ---- views ----------------------------------------------------------------------------

    /** {@code {alert_id, deliveries:[{channel, target, status, attempts, last_error, …}]}}; 404 for an unknown alert. */
    public Map<String, Object> deliveries(String alertId) {
        return deliveries(alertId, true);
    }

    /** As {@link #deliveries(String)}; {@code channelSecrets} false keeps only the scheme and host of a URL target. */
    public Map<String, Object> deliveries(String alertId, boolean channelSecrets) {
        if (ledger.findAlert(alertId).isEmpty()) {
            throw PeniaException.notFound("alert", alertId);
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (Delivery d : store.forAlert(alertId)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("delivery_id", d.deliveryId());
            m.put("channel", d.channelType());
            m.put("target", channelSecrets || d.channelType().equals("email") ? redact(d.channelType(), d.target())
                    : Views.redactUrl(d.target()));
            m.put("status", d.status());
            m.put("attempts", d.attempts());
            m.put("last_error", d.lastError());
            m.put("next_attempt_at", d.status().equals(Delivery.PENDING) ? Instant.ofEpochMilli(d.nextAttemptMs()).toString() : null);
            m.put("delivered_at", d.deliveredMs() == null ? null : Instant.ofEpochMilli(d.deliveredMs()).toString());
            m.put("created_at", Instant.ofEpochMilli(d.createdMs()).toString());
            items.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("alert_id", alertId);
        out.put("deliveries", items);
        return out;
    }

    /** Tells {@code listener} the channel type and outcome (delivered, retry, failed) of each attempt. */
    public void onAttempt(java.util.function.BiConsumer<String, String> listener) {
        attempts = listener;
    }

    /** The {@code alert_delivery} section of /health: rows per status, sends in flight, the last error. */
    public Map<String, Object> health() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Long> byStatus = counts.get();
        if (byStatus != null) {
            m.putAll(byStatus);
        } else {
            m.put("error", "delivery table unavailable");
        }
        m.put("in_flight", inFlight.size());
        DeliveryLanes.Load load = lanes.load();
        m.put("sending", load.sending());
        m.put("queued", load.queued());
        m.put("busy_destinations", load.destinations());
        m.put("last_error", lastError);
        return m;
    }

    /**
     * A target fit to show: addresses as they are; for a URL only scheme, host, port and path
     * (no user info or query), and for Slack only the host, as its path is the credential.
     */
    static String redact(String type, String target) {
        if (type.equals("email")) {
            return target;
        }
        try {
            java.net.URI u = java.net.URI.create(target);
            String origin = u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
            return type.equals("slack") ? origin + "/…" : origin + (u.getRawPath() == null ? "" : u.getRawPath());
        } catch (IllegalArgumentException e) {
            return "(invalid URL)";
        }
    }

    /**
     * Stops polling, drops what waits in the lanes, lets running sends finish briefly, then
     * interrupts them; every row not recorded as sent stays pending for the next start.
     */
    @Override
    public void close() {
        running = false;
        poller.interrupt();
        try {
            poller.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lanes.close(1_000, 2_000);
        http.close();
    }
}
