package io.tekton.penia.server;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Penia's logging: SLF4J with Logback, one line per event on standard error (standard output
 * carries MCP in {@code mcp-stdio}), as text or, with {@code PENIA_LOG_FORMAT=json}, as one JSON
 * object per line (Logback's {@link JsonEncoder}). {@code PENIA_LOG_LEVEL} sets the level
 * (default INFO; at INFO the libraries' own chatter is cut to warnings, so Penia's start-up
 * summary comes first); {@code PENIA_ACCESS_LOG=on} adds one line per HTTP request on the
 * {@code io.tekton.penia.access} logger. Penia and Helidon log through {@code System.Logger}
 * (JUL): those records are bridged into Logback.
 *
 * <p>Also Logback's {@link Configurator} (found through {@code ServiceLoader}): the same set-up
 * from the process environment whenever Logback starts before {@link #configure} is called.
 */
public final class PeniaLogging extends ContextAwareBase implements Configurator {
    /** The logger of business events (checks blocked or warned, alerts, breakers, holds, keys, prices). */
    public static final String EVENTS = "io.tekton.penia.events";
    /** The logger of the optional access log. */
    public static final String ACCESS = "io.tekton.penia.access";
    /** Libraries whose INFO lines are start-up chatter, kept to warnings at level INFO. */
    private static final List<String> CHATTY = List.of("io.helidon", "com.zaxxer.hikari", "org.flywaydb",
            "io.modelcontextprotocol", "org.eclipse.angus", "jakarta.mail");

    /** JUL forgets the level of a logger nobody holds: these are held. */
    private static final java.util.logging.Logger JUL_ROOT = java.util.logging.Logger.getLogger("");
    private static final java.util.logging.Logger JUL_ACCESS = java.util.logging.Logger.getLogger(ACCESS);
    private static final List<java.util.logging.Logger> JUL_CHATTY = CHATTY.stream()
            .map(java.util.logging.Logger::getLogger).toList();

    /** The settings read from the environment. */
    public record Settings(boolean json, Level level, boolean accessLog) {
        public String describe() {
            return "log format " + (json ? "json" : "text") + ", level " + level
                    + (accessLog ? ", access log on" : "");
        }
    }

    private static volatile Settings current = new Settings(false, Level.INFO, false);

    public PeniaLogging() {
    }

    /**
     * Reads {@code PENIA_LOG_FORMAT} ({@code text}, {@code json}), {@code PENIA_LOG_LEVEL}
     * ({@code trace} … {@code error}) and {@code PENIA_ACCESS_LOG} ({@code on}, {@code off}).
     *
     * @throws IllegalArgumentException for a value it does not know, naming the variable
     */
    public static Settings settings(Map<String, String> env) {
        String format = env.getOrDefault("PENIA_LOG_FORMAT", "text").trim().toLowerCase(Locale.ROOT);
        if (!format.equals("text") && !format.equals("json") && !format.isEmpty()) {
            throw new IllegalArgumentException("PENIA_LOG_FORMAT must be text or json, not '" + format + "'");
        }
        String lv = env.getOrDefault("PENIA_LOG_LEVEL", "info").trim().toUpperCase(Locale.ROOT);
        Level level = switch (lv) {
            case "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF" -> Level.toLevel(lv);
            case "WARNING" -> Level.WARN;
            case "" -> Level.INFO;
            default -> throw new IllegalArgumentException(
                    "PENIA_LOG_LEVEL must be one of trace, debug, info, warn, error, off; not '" + lv + "'");
        };
        String access = env.getOrDefault("PENIA_ACCESS_LOG", "off").trim().toLowerCase(Locale.ROOT);
        boolean on = switch (access) {
            case "on", "true", "1", "yes" -> true;
            case "off", "false", "0", "no", "" -> false;
            default -> throw new IllegalArgumentException("PENIA_ACCESS_LOG must be on or off, not '" + access + "'");
        };
        return new Settings(format.equals("json"), level, on);
    }

    /** Sets logging up from {@code env} (see {@link #settings}); may be called again to change it. */
    public static synchronized Settings configure(Map<String, String> env) {
        Settings s = settings(env);
        if (!(org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            System.err.println("penia: logging is not Logback (another SLF4J provider on the class path); "
                    + "PENIA_LOG_FORMAT and PENIA_LOG_LEVEL are not applied");
            return s;
        }
        apply(ctx, s);
        bridgeJul(s);
        return s;
    }

    /** The settings in force. */
    public static Settings current() {
        return current;
    }

    /** Writes out what is queued and stops logging (the last step of a shutdown). */
    public static void stop() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.stop();
        }
    }

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        Settings s;
        try {
            s = settings(System.getenv());
        } catch (IllegalArgumentException e) {
            s = new Settings(false, Level.INFO, false);
        }
        build(ctx, s);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static void apply(LoggerContext ctx, Settings s) {
        ctx.stop();
        ctx.reset();
        build(ctx, s);
        ctx.start();
    }

    private static void build(LoggerContext ctx, Settings s) {
        Encoder<ILoggingEvent> encoder;
        if (s.json()) {
            JsonEncoder j = new JsonEncoder();
            j.setWithSequenceNumber(false);
            j.setWithNanoseconds(false);
            j.setWithContext(false);
            j.setWithMessage(false);
            j.setWithArguments(false);
            j.setWithFormattedMessage(true);
            encoder = j;
        } else {
            PatternLayoutEncoder p = new PatternLayoutEncoder();
            p.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n");
            encoder = p;
        }
        encoder.setContext(ctx);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        // Listeners of the engine must not block: events are queued, and never dropped below a full queue.
        AsyncAppender async = new AsyncAppender();
        async.setContext(ctx);
        async.setName("async");
        async.setQueueSize(8192);
        async.setDiscardingThreshold(0);
        async.setNeverBlock(true);
        async.addAppender(console);
        async.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(s.level());
        root.addAppender(async);
        for (String name : CHATTY) {
            ctx.getLogger(name).setLevel(s.level() == Level.INFO ? Level.WARN : null);
        }
        ctx.getLogger(ACCESS).setLevel(s.accessLog() ? Level.INFO : Level.OFF);
        current = s;
    }

    /** Routes JUL (System.Logger, Helidon) into Logback, with JUL's levels set to match. */
    private static void bridgeJul(Settings s) {
        for (java.util.logging.Handler h : JUL_ROOT.getHandlers()) {
            if (h instanceof java.util.logging.ConsoleHandler) {
                JUL_ROOT.removeHandler(h);
            }
        }
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.install();
        }
        JUL_ROOT.setLevel(jul(s.level()));
        boolean quiet = s.level().toInt() == Level.INFO.toInt();
        for (java.util.logging.Logger l : JUL_CHATTY) {
            l.setLevel(quiet ? java.util.logging.Level.WARNING : null);
        }
        JUL_ACCESS.setLevel(s.accessLog() ? java.util.logging.Level.INFO : java.util.logging.Level.OFF);
    }

    /**
     * Undoes {@link #configure}'s hold on JUL (its console handler back, its levels cleared) and
     * sets Logback up from the process environment again: for tests that change logging.
     */
    public static synchronized void reset() {
        SLF4JBridgeHandler.uninstall();
        JUL_ROOT.addHandler(new java.util.logging.ConsoleHandler());
        JUL_ROOT.setLevel(java.util.logging.Level.INFO);
        JUL_CHATTY.forEach(l -> l.setLevel(null));
        JUL_ACCESS.setLevel(null);
        LoggerContext ctx = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        ctx.stop();
        ctx.reset();
        new PeniaLogging().configure(ctx);
        ctx.start();
    }

    private static java.util.logging.Level jul(Level l) {
        return switch (l.toInt()) {
            case Level.TRACE_INT -> java.util.logging.Level.FINEST;
            case Level.DEBUG_INT -> java.util.logging.Level.FINE;
            case Level.INFO_INT -> java.util.logging.Level.INFO;
            case Level.WARN_INT -> java.util.logging.Level.WARNING;
            case Level.ERROR_INT -> java.util.logging.Level.SEVERE;
            default -> java.util.logging.Level.OFF;
        };
    }
}
