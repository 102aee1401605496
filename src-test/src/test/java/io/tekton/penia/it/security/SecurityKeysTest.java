package io.tekton.penia.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.tekton.penia.it.security.Sec.ADMIN_KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * API keys end to end: a secret is shown once and works at once, a revoked key stops working
 * at once on every surface, and no secret (key, admin key, webhook) appears in any response
 * but the create response, in the audit trail, or in the server's log at any level.
 */
class SecurityKeysTest {
    static TestServer t;
    static final List<String> LOG = new CopyOnWriteArrayList<>();
    static final Logger ROOT = Logger.getLogger("");
    static Level rootLevel;
    static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            StringBuilder b = new StringBuilder(String.valueOf(r.getMessage()));
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    b.append(' ').append(p);
                }
            }
            for (Throwable e = r.getThrown(); e != null; e = e.getCause()) {
                b.append(' ').append(e);
            }
            LOG.add(b.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** Libraries that log through SLF4J (Hikari, the MCP SDK) reach Logback without JUL: captured there too. */
    static final ch.qos.logback.classic.Logger LOGBACK_ROOT = (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    static ch.qos.logback.classic.Level logbackLevel;
    static final ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> LOGBACK_CAPTURE =
            new ch.qos.logback.core.AppenderBase<>() {
                @Override
                protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                    StringBuilder b = new StringBuilder(String.valueOf(e.getFormattedMessage()));
                    for (ch.qos.logback.classic.spi.IThrowableProxy x = e.getThrowableProxy(); x != null; x = x.getCause()) {
                        b.append(' ').append(x.getClassName()).append(": ").append(x.getMessage());
                    }
                    LOG.add(b.toString());
                }
            };

    @BeforeAll
    static void up() {
        rootLevel = ROOT.getLevel();
        CAPTURE.setLevel(Level.ALL);
        ROOT.addHandler(CAPTURE);
        ROOT.setLevel(Level.ALL);
        logbackLevel = LOGBACK_ROOT.getLevel();
        LOGBACK_CAPTURE.setContext(LOGBACK_ROOT.getLoggerContext());
        LOGBACK_CAPTURE.start();
        LOGBACK_ROOT.addAppender(LOGBACK_CAPTURE);
        LOGBACK_ROOT.setLevel(ch.qos.logback.classic.Level.ALL);
        t = Sec.start(Map.of());
    }

    @AfterAll
    static void down() {
        t.close();
        ROOT.removeHandler(CAPTURE);
        ROOT.setLevel(rootLevel);
        LOGBACK_ROOT.detachAppender(LOGBACK_CAPTURE);
        LOGBACK_ROOT.setLevel(logbackLevel);
    }

    static String allLogs() {
        return String.join("\n", LOG);
    }

    @Test
    void create_showsTheSecretOnce_inTheDocumentedFormat_andItWorksAtOnce() {
        JsonNode created = Sec.createKey(t, "billing service", "component", "billing");
        String secret = created.get("secret").asText();
        String id = created.get("key_id").asText();
        assertThat(secret).matches("pk_" + id + "_[A-Za-z0-9_-]{43}");
        assertThat(created.get("role").asText()).isEqualTo("component");
        assertThat(created.get("component").asText()).isEqualTo("billing");
        assertThat(created.get("created_at").asText()).isNotBlank();
        assertThat(Sec.get(t, secret, "/api/v1/budgets").status()).isEqualTo(200);
        TestServer.Resp bearer = t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/budgets"))
                .header("Authorization", "Bearer " + secret).GET());
        assertThat(bearer.status()).isEqualTo(200);
    }

    @Test
    void secret_neverAppearsInListGetAuditOrLogs_andNeitherDoesTheAdminKey() {
        JsonNode created = Sec.createKey(t, "dashboard", "viewer", null);
        String secret = created.get("secret").asText();
        String id = created.get("key_id").asText();
        String random = Sec.randomPart(secret);
        assertThat(random).hasSize(43);
        assertThat(Sec.get(t, secret, "/api/v1/alerts").status()).isEqualTo(200);
        assertThat(Sec.get(t, "pk_" + id + "_wrong", "/api/v1/alerts").status()).isEqualTo(401);
        Sec.call(t, ADMIN_KEY, "DELETE", "/api/v1/keys/" + id, null);
        assertThat(Sec.get(t, secret, "/api/v1/alerts").status()).isEqualTo(401);
        List<String> bodies = List.of(Sec.get(t, ADMIN_KEY, "/api/v1/keys").raw(),
                Sec.get(t, ADMIN_KEY, "/api/v1/keys/" + id).raw(), Sec.get(t, ADMIN_KEY, "/api/v1/audit").raw(),
                Sec.get(t, ADMIN_KEY, "/audit").raw(), Sec.get(t, ADMIN_KEY, "/health").raw());
        assertThat(bodies.get(0)).contains(id);
        assertThat(bodies.get(2)).contains(id);
        for (String body : bodies) {
            assertThat(body).doesNotContain(random).doesNotContain(ADMIN_KEY)
                    .doesNotContain("secret_hash").doesNotContain("sha256:");
        }
        assertThat(allLogs()).doesNotContain(random).doesNotContain(ADMIN_KEY);
    }

    @Test
    void webhookSecret_isNeverEchoed_norAudited_norLogged() {
        String budget = Sec.budget(t, "hooks", null, "10");
        String webhookSecret = "whsec-" + java.util.UUID.randomUUID();
        TestServer.Resp r = Sec.call(t, ADMIN_KEY, "PUT", "/api/v1/budgets/" + budget + "/alerts", Map.of("channels",
                List.of(Map.of("type", "webhook", "url", "http://127.0.0.1:9/hook", "secret", webhookSecret))));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.raw()).doesNotContain(webhookSecret);
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/budgets/" + budget).raw()).doesNotContain(webhookSecret);
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/audit?target_id=" + budget).raw()).doesNotContain(webhookSecret)
                .contains("budget.alerts.update");
        assertThat(allLogs()).doesNotContain(webhookSecret);
    }

    @Test
    void revoke_stopsTheKeyAtOnce_onRestMcpAndWebSocket_andIsIdempotent() {
        String secret = Sec.secret(t, "viewer", null);
        String id = Sec.keyId(secret);
        assertThat(Sec.get(t, secret, "/api/v1/budgets").status()).isEqualTo(200);
        assertThat(Sec.mcpInitialize(t, secret).status()).isEqualTo(200);
        assertThat(Sec.wsConnect(t, secret, false)).isEqualTo(101);

        TestServer.Resp revoked = Sec.call(t, ADMIN_KEY, "POST", "/api/v1/keys/" + id + "/revoke", null);
        assertThat(revoked.status()).as(revoked.raw()).isEqualTo(200);
        assertThat(revoked.get("revoked_at").isNull()).isFalse();
        // No waiting: the very next request of each kind is refused.
        assertThat(Sec.get(t, secret, "/api/v1/budgets").status()).isEqualTo(401);
        assertThat(Sec.mcpInitialize(t, secret).status()).isEqualTo(401);
        assertThat(Sec.wsConnect(t, secret, false)).isEqualTo(401);

        TestServer.Resp again = Sec.call(t, ADMIN_KEY, "DELETE", "/api/v1/keys/" + id, null);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.get("revoked_at").asText()).isEqualTo(revoked.get("revoked_at").asText());
        assertThat(Sec.audit(t, "api_key", id).stream().map(e -> e.get("action").asText()).toList())
                .containsExactly("api_key.revoke", "api_key.create");
        assertThat(Sec.call(t, ADMIN_KEY, "DELETE", "/api/v1/keys/keynope", null).status()).isEqualTo(404);
    }

    @Test
    void keys_andRevocations_surviveARestart() {
        TestServer s = Sec.start(Map.of());
        try {
            String kept = Sec.secret(s, "component", "svc");
            String gone = Sec.secret(s, "viewer", null);
            Sec.call(s, ADMIN_KEY, "DELETE", "/api/v1/keys/" + Sec.keyId(gone), null);
            s.restart();
            assertThat(Sec.get(s, kept, "/api/v1/budgets").status()).isEqualTo(200);
            assertThat(Sec.get(s, gone, "/api/v1/budgets").status()).isEqualTo(401);
            JsonNode listed = Sec.get(s, ADMIN_KEY, "/api/v1/keys/" + Sec.keyId(kept)).body();
            assertThat(listed.get("component").asText()).isEqualTo("svc");
            assertThat(listed.get("last_used_at").isNull()).isFalse();
        } finally {
            s.close();
        }
    }

    @Test
    void anAdminKeyMadeByTheApi_isAnAdmin_andIsTheActorInTheAudit() {
        String admin = Sec.secret(t, "admin", null);
        TestServer.Resp r = Sec.call(t, admin, "POST", "/api/v1/keys", Map.of("name", "made by an admin key",
                "role", "viewer"));
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        List<JsonNode> audit = Sec.audit(t, "api_key", r.get("key_id").asText());
        assertThat(audit).hasSize(1);
        assertThat(audit.getFirst().get("actor").asText()).isEqualTo(Sec.keyId(admin));
    }

    @Test
    void create_validatesRoleComponentAndName_andWritesNothingWhenInvalid() {
        int before = Sec.get(t, ADMIN_KEY, "/api/v1/keys").get("count").asInt();
        List<Map<String, Object>> bad = List.of(Map.of("name", "x", "role", "root"),
                Map.of("name", "x", "role", "component"),
                Map.of("name", "x", "role", "viewer", "component", "billing"),
                Map.of("role", "viewer"), Map.of("name", " ", "role", "viewer"),
                Map.of("name", "x", "role", "viewer", "secret", "mine"));
        for (Map<String, Object> body : bad) {
            TestServer.Resp r = Sec.call(t, ADMIN_KEY, "POST", "/api/v1/keys", body);
            assertThat(r.status()).as(body + ": " + r.raw()).isEqualTo(400);
            assertThat(r.body().get("error").get("code").asText()).isNotBlank();
        }
        assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/keys").get("count").asInt()).isEqualTo(before);
    }

    @Test
    void garbageKeys_areUnauthorized_neverAServerError() {
        for (String key : List.of("x", "pk_", "pk__", "pk_nokey_abc", "pk_" + "a".repeat(300), ADMIN_KEY + "x",
                ADMIN_KEY.substring(1))) {
            TestServer.Resp r = Sec.get(t, key, "/api/v1/budgets");
            assertThat(r.status()).as(key).isEqualTo(401);
            assertThat(r.raw()).doesNotContain(key.length() > 3 ? key : "\u0000");
        }
    }
}
