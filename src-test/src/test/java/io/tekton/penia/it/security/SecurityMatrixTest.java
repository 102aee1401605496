package io.tekton.penia.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.it.support.PeniaServerTest;
import io.tekton.penia.it.support.TestServer;
import io.tekton.penia.it.ws.WebSocketTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import static io.tekton.penia.it.security.Sec.ADMIN_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The authorization matrix of SPEC §9: every role (admin, a component key for its own
 * component, one for another component, viewer, no key, a revoked key) against every group of
 * endpoints, over REST, WebSocket and MCP. A refused cell answers 401 (no or a bad key) or 403
 * (a role that may not) with the error envelope, and changes nothing, read back as the admin;
 * an allowed write cell changes what it should.
 */
@PeniaServerTest(adminKey = true)
class SecurityMatrixTest {
    static final String OWN = "comp-a";
    static final String OTHER = "comp-b";

    enum Role { NONE, REVOKED, VIEWER, COMPONENT_OTHER, COMPONENT_OWN, ADMIN }

    static final Set<Role> ALL_KEYS = EnumSet.of(Role.VIEWER, Role.COMPONENT_OTHER, Role.COMPONENT_OWN, Role.ADMIN);
    static final Set<Role> READERS_OF_OWN = EnumSet.of(Role.VIEWER, Role.COMPONENT_OWN, Role.ADMIN);
    static final Set<Role> WRITERS_OF_OWN = EnumSet.of(Role.COMPONENT_OWN, Role.ADMIN);
    static final Set<Role> ADMIN_ONLY = EnumSet.of(Role.ADMIN);

    static TestServer t;
    static final Map<Role, String> KEYS = new EnumMap<>(Role.class);
    static String budA;
    static String budB;
    /** A value no earlier cell has set, so an allowed write always changes something. */
    static final java.util.concurrent.atomic.AtomicInteger NEXT = new java.util.concurrent.atomic.AtomicInteger(100);

    @BeforeAll
    static void up() {
        KEYS.put(Role.ADMIN, ADMIN_KEY);
        KEYS.put(Role.VIEWER, Sec.secret(t, "viewer", null));
        KEYS.put(Role.COMPONENT_OWN, Sec.secret(t, "component", OWN));
        KEYS.put(Role.COMPONENT_OTHER, Sec.secret(t, "component", OTHER));
        String revoked = Sec.secret(t, "component", OWN);
        assertThat(Sec.call(t, ADMIN_KEY, "DELETE", "/api/v1/keys/" + Sec.keyId(revoked), null).status()).isEqualTo(200);
        KEYS.put(Role.REVOKED, revoked);
        budA = Sec.budget(t, OWN, null, "1000");
        budB = Sec.budget(t, OTHER, null, "1000");
    }

    /** One group of endpoints: how to call it, who may, and what to read back. */
    record Group(String name, Set<Role> allowed, int okStatus, Supplier<String> prepare,
                 BiFunction<String, String, TestServer.Resp> action, Function<String, Object> snapshot) {
        boolean mutates() {
            return snapshot != null;
        }
    }

    static Group read(String name, Set<Role> allowed, String path) {
        return new Group(name, allowed, 200, () -> null, (key, ctx) -> Sec.get(t, key, path), null);
    }

    static Group write(String name, Set<Role> allowed, int ok, Supplier<String> prepare,
                       BiFunction<String, String, TestServer.Resp> action, Function<String, Object> snapshot) {
        return new Group(name, allowed, ok, prepare, action, snapshot);
    }

    static JsonNode adminGet(String path) {
        TestServer.Resp r = Sec.get(t, ADMIN_KEY, path);
        assertThat(r.status()).as(path + ": " + r.raw()).isLessThan(500);
        return r.status() == 200 ? r.body() : Json.mapper().valueToTree(Map.of("status", r.status()));
    }

    static String reservationOfOwn() {
        TestServer.Resp r = Sec.call(t, ADMIN_KEY, "POST", "/api/v1/budget-alerts/unified/check-operation",
                Map.of("component", OWN, "estimated_cost", new BigDecimal("0.01"), "reserve", true));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.get("reservation_id").asText();
    }

    /** A fresh alert on a budget of the own component (each threshold fires once per budget). */
    static String alertOfOwn() {
        String provider = "p" + UUID.randomUUID().toString().substring(0, 8);
        String id = Sec.budget(t, OWN, provider, "1");
        assertThat(Sec.call(t, ADMIN_KEY, "POST", "/api/v1/usage/record", Sec.usage(OWN, provider, "0.75")).status())
                .isEqualTo(201);
        return await().atMost(Duration.ofSeconds(15)).until(() -> {
            JsonNode items = adminGet("/api/v1/alerts?budget_id=" + id).get("items");
            return items != null && !items.isEmpty() ? items.get(0).get("alert_id").asText() : null;
        }, Objects::nonNull);
    }

    static String freshBudget() {
        return Sec.budget(t, OWN, null, "5");
    }

    static String freshKey() {
        return Sec.createKey(t, "to revoke", "viewer", null).get("key_id").asText();
    }

    static List<Group> groups() {
        List<Group> g = new ArrayList<>();
        g.add(write("budgets.create", ADMIN_ONLY, 201, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/v1/budgets", Map.of("name", "made by a test",
                        "scope", Map.of("component", OWN), "limits", Map.of("monthly", 5))),
                ctx -> adminGet("/api/v1/budgets").get("count")));
        g.add(write("budgets.update", ADMIN_ONLY, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "PUT", "/api/v1/budgets/" + budA,
                        Map.of("name", "renamed " + UUID.randomUUID())),
                ctx -> adminGet("/api/v1/budgets/" + budA).get("name")));
        g.add(write("budgets.delete", ADMIN_ONLY, 200, SecurityMatrixTest::freshBudget,
                (key, id) -> Sec.call(t, key, "DELETE", "/api/v1/budgets/" + id, null),
                id -> adminGet("/api/v1/budgets/" + id)));
        g.add(read("budgets.read", READERS_OF_OWN, "/api/v1/budgets/" + budA));
        g.add(read("budgets.summary", READERS_OF_OWN, "/api/v1/budgets/" + budA + "/summary"));
        g.add(read("budgets.alertSettings", READERS_OF_OWN, "/api/v1/budgets/" + budA + "/alerts"));
        g.add(read("budgets.list", ALL_KEYS, "/api/v1/budgets"));
        g.add(write("usage.record", WRITERS_OF_OWN, 201, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/v1/usage/record", Sec.usage(OWN, "openai", "0.01")),
                ctx -> List.of(Sec.ledgerRows(t, OWN), adminGet("/api/v1/budgets/" + budA + "/summary")
                        .get("periods").get("monthly").get("spent").decimalValue().stripTrailingZeros())));
        g.add(read("usage.records", READERS_OF_OWN, "/api/v1/usage/records?component=" + OWN));
        g.add(read("usage.export", READERS_OF_OWN, "/api/v1/usage/export?format=jsonl&component=" + OWN));
        g.add(new Group("usage.summary", READERS_OF_OWN, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/v1/usage/summary", Map.of("component", OWN)), null));
        g.add(write("check.reserve", WRITERS_OF_OWN, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/v1/budget-alerts/unified/check-operation",
                        Map.of("component", OWN, "estimated_cost", new BigDecimal("0.01"), "reserve", true)),
                ctx -> adminGet("/api/v1/budgets/" + budA + "/summary").get("periods").get("monthly").get("reserved")
                        .decimalValue().stripTrailingZeros()));
        g.add(write("reservation.release", WRITERS_OF_OWN, 200, SecurityMatrixTest::reservationOfOwn,
                (key, id) -> Sec.call(t, key, "POST", "/api/v1/reservations/" + id + "/release", null),
                id -> adminGet("/api/v1/reservations/" + id).get("status")));
        g.add(read("alerts.read", ALL_KEYS, "/api/v1/alerts"));
        g.add(write("alerts.dismiss", ADMIN_ONLY, 200, SecurityMatrixTest::alertOfOwn,
                (key, id) -> Sec.call(t, key, "POST", "/api/v1/alerts/" + id + "/dismiss", null),
                id -> adminGet("/api/v1/alerts?dismissed=true").toString().contains(id)));
        g.add(write("thresholds.put", ADMIN_ONLY, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "PUT", "/api/v1/budget-alerts/thresholds",
                        Map.of("cooldown_seconds", NEXT.incrementAndGet())),
                ctx -> adminGet("/api/v1/budget-alerts/thresholds").get("cooldown_seconds")));
        g.add(write("budget.alerts.put", ADMIN_ONLY, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "PUT", "/api/v1/budgets/" + budA + "/alerts",
                        Map.of("cooldown_seconds", NEXT.incrementAndGet())),
                ctx -> adminGet("/api/v1/budgets/" + budA + "/alerts").get("cooldown_seconds")));
        g.add(write("breaker.reset", ADMIN_ONLY, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/v1/budget-alerts/breakers/" + budA + "/reset", Map.of()),
                ctx -> Sec.audit(t, "breaker", budA).size()));
        g.add(write("prices.put", ADMIN_ONLY, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "PUT", "/api/v1/prices/openai/sec-model",
                        Map.of("input_per_million", NEXT.incrementAndGet(), "output_per_million", 2)),
                ctx -> adminGet("/api/v1/prices/openai/sec-model").path("input_per_token").asText("none")));
        g.add(read("prices.read", ALL_KEYS, "/api/v1/prices?limit=1"));
        g.add(new Group("prices.recommend", ALL_KEYS, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/v1/prices/recommend",
                        Map.of("estimated_input_tokens", 100, "estimated_output_tokens", 100)), null));
        // Asking about a component is reading it: the same rule over REST and the tools (issue 18, item 4).
        g.add(new Group("prices.recommend.component", READERS_OF_OWN, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/v1/prices/recommend",
                        Map.of("estimated_input_tokens", 100, "estimated_output_tokens", 100, "component", OWN)), null));
        g.add(new Group("tools.recommend_models.component", READERS_OF_OWN, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/tools/recommend_models/execute",
                        Map.of("estimated_input_tokens", 100, "estimated_output_tokens", 100, "component", OWN)), null));
        g.add(new Group("tools.get_budget_status", READERS_OF_OWN, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/tools/get_budget_status/execute",
                        Map.of("budget_id", budA)), null));
        g.add(write("keys.create", ADMIN_ONLY, 201, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/v1/keys", Map.of("name", "n", "role", "viewer")),
                ctx -> adminGet("/api/v1/keys").get("count")));
        g.add(read("keys.list", ADMIN_ONLY, "/api/v1/keys"));
        g.add(write("keys.revoke", ADMIN_ONLY, 200, SecurityMatrixTest::freshKey,
                (key, id) -> Sec.call(t, key, "DELETE", "/api/v1/keys/" + id, null),
                id -> adminGet("/api/v1/keys/" + id).get("revoked_at")));
        g.add(read("audit.read", ADMIN_ONLY, "/api/v1/audit"));
        g.add(read("audit.read.alias", ADMIN_ONLY, "/audit"));
        g.add(read("status.global", EnumSet.of(Role.VIEWER, Role.ADMIN), "/api/v1/budget-alerts/unified/status"));
        g.add(read("assistant.context", EnumSet.of(Role.VIEWER, Role.ADMIN), "/api/v1/assistant/context"));
        g.add(read("metrics", ALL_KEYS, "/metrics"));
        g.add(read("health", EnumSet.allOf(Role.class), "/health"));
        g.add(read("ready", EnumSet.allOf(Role.class), "/ready"));
        g.add(read("discovery", EnumSet.allOf(Role.class), "/api/v1/discovery"));
        g.add(write("tools.record_usage", WRITERS_OF_OWN, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/tools/record_usage/execute", Sec.usage(OWN, "openai", "0.01")),
                ctx -> Sec.ledgerRows(t, OWN)));
        g.add(write("tools.set_alerts", ADMIN_ONLY, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/tools/set_alerts/execute",
                        Map.of("budget_id", budA, "cooldown_seconds", NEXT.incrementAndGet())),
                ctx -> adminGet("/api/v1/budgets/" + budA + "/alerts").get("cooldown_seconds")));
        g.add(new Group("tools.list_budgets", ALL_KEYS, 200, () -> null,
                (key, ctx) -> Sec.call(t, key, "POST", "/api/tools/list_budgets/execute", Map.of()), null));
        return g;
    }

    @TestFactory
    List<DynamicTest> rest_everyRoleAgainstEveryEndpointGroup() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Group g : groups()) {
            // Refused cells first: the allowed ones may use up what they act on (a hold, an alert).
            for (Role role : Role.values()) {
                tests.add(DynamicTest.dynamicTest(g.name() + " as " + role, () -> cell(g, role)));
            }
        }
        return tests;
    }

    static void cell(Group g, Role role) {
        String ctx = g.prepare().get();
        Object before = g.mutates() ? g.snapshot().apply(ctx) : null;
        TestServer.Resp r = g.action().apply(KEYS.get(role), ctx);
        if (g.allowed().contains(role)) {
            assertThat(r.status()).as(g.name() + " as " + role + ": " + r.raw()).isEqualTo(g.okStatus());
            if (g.mutates()) {
                assertThat(g.snapshot().apply(ctx)).as(g.name() + " as " + role + " changes the state")
                        .isNotEqualTo(before);
            }
            return;
        }
        int expected = role == Role.NONE || role == Role.REVOKED ? 401 : 403;
        assertThat(r.status()).as(g.name() + " as " + role + ": " + r.raw()).isEqualTo(expected);
        JsonNode error = r.body().has("error") ? r.body().get("error") : null;
        assertThat(error).as(r.raw()).isNotNull();
        assertThat(error.get("code").asText()).isEqualTo(expected == 401 ? "unauthorized" : "forbidden");
        if (g.mutates()) {
            assertThat(g.snapshot().apply(ctx)).as(g.name() + " as " + role + " changes nothing").isEqualTo(before);
        }
    }

    @Test
    void componentKey_readsOnlyItsOwnComponent() {
        String other = KEYS.get(Role.COMPONENT_OTHER);
        Sec.call(t, ADMIN_KEY, "POST", "/api/v1/usage/record", Sec.usage(OWN, "openai", "0.02"));
        Sec.call(t, ADMIN_KEY, "POST", "/api/v1/usage/record", Sec.usage(OTHER, "openai", "0.03"));
        JsonNode budgets = Sec.get(t, other, "/api/v1/budgets").body().get("items");
        assertThat(budgets).isNotEmpty();
        budgets.forEach(b -> assertThat(b.get("scope").get("component").asText(OTHER)).isEqualTo(OTHER));
        JsonNode rows = Sec.get(t, other, "/api/v1/usage/records").body().get("items");
        assertThat(rows).isNotEmpty();
        rows.forEach(row -> assertThat(row.get("component").asText()).isEqualTo(OTHER));
        String export = Sec.get(t, other, "/api/v1/usage/export?format=jsonl").raw();
        assertThat(export).contains("\"component\":\"" + OTHER + "\"").doesNotContain("\"component\":\"" + OWN + "\"");
        assertThat(Sec.get(t, other, "/api/v1/usage/export?component=" + OWN).status()).isEqualTo(403);
        JsonNode byBudget = Sec.get(t, other, "/api/v1/usage/records?budget_id=" + budA).body().get("items");
        assertThat(byBudget).isEmpty();
        JsonNode summary = Sec.call(t, other, "POST", "/api/v1/usage/summary", Map.of("group_by", List.of("component")))
                .body().get("groups");
        summary.forEach(grp -> assertThat(grp.get("component").asText()).isEqualTo(OTHER));
        String alert = alertOfOwn();
        assertThat(Sec.get(t, other, "/api/v1/alerts").raw()).doesNotContain(alert);
        assertThat(Sec.get(t, KEYS.get(Role.COMPONENT_OWN), "/api/v1/alerts").raw()).contains(alert);
        String hold = reservationOfOwn();
        assertThat(Sec.get(t, other, "/api/v1/reservations/" + hold).status()).isEqualTo(403);
        assertThat(Sec.get(t, KEYS.get(Role.COMPONENT_OWN), "/api/v1/reservations/" + hold).status()).isEqualTo(200);
    }

    @Test
    void componentKey_cannotSettleAnotherComponentsHold_byRecordingAgainstIt() {
        String hold = reservationOfOwn();
        int rows = Sec.ledgerRows(t, OTHER);
        var body = new java.util.LinkedHashMap<>(Sec.usage(OTHER, "openai", "0.01"));
        body.put("reservation_id", hold);
        TestServer.Resp r = Sec.call(t, KEYS.get(Role.COMPONENT_OTHER), "POST", "/api/v1/usage/record", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(403);
        assertThat(Sec.ledgerRows(t, OTHER)).isEqualTo(rows);
        assertThat(adminGet("/api/v1/reservations/" + hold).get("status").asText()).isEqualTo("active");
    }

    @Test
    void componentKey_cannotSeeAnotherComponentsRecord_byReplayingItsRequestId() {
        String requestId = "req-" + UUID.randomUUID();
        var own = new java.util.LinkedHashMap<>(Sec.usage(OWN, "openai", "0.04"));
        own.put("request_id", requestId);
        TestServer.Resp first = Sec.call(t, KEYS.get(Role.COMPONENT_OWN), "POST", "/api/v1/usage/record", own);
        assertThat(first.status()).as(first.raw()).isEqualTo(201);
        int rows = Sec.ledgerRows(t, OTHER);
        var other = new java.util.LinkedHashMap<>(Sec.usage(OTHER, "openai", "0.04"));
        other.put("request_id", requestId);
        TestServer.Resp replay = Sec.call(t, KEYS.get(Role.COMPONENT_OTHER), "POST", "/api/v1/usage/record", other);
        assertThat(replay.status()).as(replay.raw()).isEqualTo(409);
        assertThat(replay.raw()).doesNotContain(first.get("record_id").asText());
        assertThat(Sec.ledgerRows(t, OTHER)).isEqualTo(rows);
    }

    @Test
    void webSocket_everyValidKeyConnects_noOrRevokedKeyIsUnauthorized() {
        Map<Role, Integer> expected = Map.of(Role.ADMIN, 101, Role.VIEWER, 101, Role.COMPONENT_OWN, 101,
                Role.COMPONENT_OTHER, 101, Role.NONE, 401, Role.REVOKED, 401);
        for (Role role : Role.values()) {
            assertThat(Sec.wsConnect(t, KEYS.get(role), false)).as("ws header as " + role).isEqualTo(expected.get(role));
            if (role != Role.NONE) {
                assertThat(Sec.wsConnect(t, KEYS.get(role), true)).as("ws ?api_key= as " + role)
                        .isEqualTo(expected.get(role));
            }
        }
    }

    @Test
    void webSocket_componentKeyGetsOnlyItsOwnComponentsEvents() {
        URI ws = URI.create("ws://127.0.0.1:" + t.port() + "/ws");
        try (WebSocketTest.Client other = WebSocketTest.Client.connect(ws, KEYS.get(Role.COMPONENT_OTHER));
             WebSocketTest.Client own = WebSocketTest.Client.connect(ws, KEYS.get(Role.COMPONENT_OWN));
             WebSocketTest.Client viewer = WebSocketTest.Client.connect(ws, KEYS.get(Role.VIEWER))) {
            for (WebSocketTest.Client c : List.of(other, own, viewer)) {
                c.subscribe("usage", "budget_updates", "alerts");
            }
            // A small budget of OWN's own, spent past its first alert threshold: a usage event, budget
            // updates (budA and budW) and an alert of OWN; budA keeps nearly all its room for the other cells.
            String budW = Sec.budget(t, OWN, "ws-provider", "1");
            TestServer.Resp spent = Sec.call(t, KEYS.get(Role.COMPONENT_OWN), "POST", "/api/v1/usage/record",
                    Sec.usage(OWN, "ws-provider", "0.75"));
            assertThat(spent.status()).as(spent.raw()).isEqualTo(201);
            String recordId = spent.get("record_id").asText();
            for (WebSocketTest.Client c : List.of(own, viewer)) {
                c.await(m -> type(m, "usage") && m.get("data").get("record_id").asText().equals(recordId));
                c.await(m -> type(m, "budget_update") && m.get("data").get("budget_id").asText().equals(budA));
                c.await(m -> type(m, "alert") && m.get("data").get("budget_id").asText().equals(budW));
            }
            // A marker of OTHER's own, sent after: each client's frames arrive in order, so once it is in,
            // anything of OWN offered to this client would be in too.
            TestServer.Resp marker = Sec.call(t, KEYS.get(Role.COMPONENT_OTHER), "POST", "/api/v1/usage/record",
                    Sec.usage(OTHER, "openai", "0.01"));
            assertThat(marker.status()).as(marker.raw()).isEqualTo(201);
            other.await(m -> type(m, "usage") && m.get("data").get("record_id").asText().equals(marker.get("record_id").asText()));
            other.await(m -> type(m, "budget_update") && m.get("data").get("budget_id").asText().equals(budB));
            assertThat(other.messages(m -> m.toString().contains(budA) || m.toString().contains(budW)
                    || m.toString().contains(recordId))).isEmpty();
            assertThat(other.messages(m -> type(m, "usage"))).allSatisfy(m ->
                    assertThat(m.get("data").get("component").asText()).isEqualTo(OTHER));
            assertThat(own.messages(m -> m.toString().contains(budB))).isEmpty();
        }
    }

    private static boolean type(JsonNode m, String type) {
        return m.path("type").asText().equals(type);
    }

    @Test
    void mcp_initializeNeedsAValidKey_withTheEnvelope() {
        for (Role role : Role.values()) {
            TestServer.Resp r = Sec.mcpInitialize(t, KEYS.get(role));
            if (role == Role.NONE || role == Role.REVOKED) {
                assertThat(r.status()).as("mcp as " + role + ": " + r.raw()).isEqualTo(401);
                assertThat(r.body().get("error").get("code").asText()).isEqualTo("unauthorized");
                assertThat(r.http().headers().firstValue("WWW-Authenticate")).isPresent();
            } else {
                assertThat(r.status()).as("mcp as " + role + ": " + r.raw()).isEqualTo(200);
            }
        }
    }

    /** MCP sessions as the other component's key, the own component's and the viewer's; closed together. */
    record Sessions(McpSyncClient other, McpSyncClient own, McpSyncClient viewer) implements AutoCloseable {
        static Sessions open() {
            return new Sessions(Sec.mcp(t, KEYS.get(Role.COMPONENT_OTHER)), Sec.mcp(t, KEYS.get(Role.COMPONENT_OWN)),
                    Sec.mcp(t, KEYS.get(Role.VIEWER)));
        }

        @Override
        public void close() {
            other.closeGracefully();
            own.closeGracefully();
            viewer.closeGracefully();
        }
    }

    @Test
    void mcp_toolsApplyTheCallersRole_andRefusedCallsChangeNothing() {
        try (Sessions mcp = Sessions.open()) {
            int rows = Sec.ledgerRows(t, OWN);
            McpSchema.CallToolResult refused = mcp.other().callTool(new McpSchema.CallToolRequest("record_usage",
                    Sec.usage(OWN, "openai", "0.01")));
            assertThat(refused.isError()).isTrue();
            assertThat(Json.mapper().valueToTree(refused.structuredContent()).get("error").get("code").asText())
                    .isEqualTo("forbidden");
            assertThat(Sec.ledgerRows(t, OWN)).isEqualTo(rows);
            McpSchema.CallToolResult check = mcp.viewer().callTool(new McpSchema.CallToolRequest("check_budget",
                    Map.of("component", OWN, "estimated_cost", 0.01, "reserve", true)));
            assertThat(check.isError()).isTrue();
            JsonNode settings = adminGet("/api/v1/budgets/" + budA + "/alerts");
            McpSchema.CallToolResult setAlerts = mcp.viewer().callTool(new McpSchema.CallToolRequest("set_alerts",
                    Map.of("budget_id", budA, "cooldown_seconds", 42)));
            assertThat(setAlerts.isError()).isTrue();
            assertThat(adminGet("/api/v1/budgets/" + budA + "/alerts")).isEqualTo(settings);
            McpSchema.CallToolResult ok = mcp.own().callTool(new McpSchema.CallToolRequest("record_usage",
                    Sec.usage(OWN, "openai", "0.01")));
            assertThat(ok.isError()).as(String.valueOf(ok.content())).isFalse();
            assertThat(Sec.ledgerRows(t, OWN)).isEqualTo(rows + 1);
            McpSchema.CallToolResult list = mcp.other().callTool(
                    new McpSchema.CallToolRequest("list_budgets", Map.of()));
            assertThat(Json.mapper().valueToTree(list.structuredContent()).toString()).doesNotContain(budA);
        }
    }

    @Test
    void mcp_recordUsage_refusesAnotherComponentsHold_andAReplayOfItsRequestId() {
        try (Sessions mcp = Sessions.open()) {
            String hold = reservationOfOwn();
            int rows = Sec.ledgerRows(t, OTHER);
            var settle = new java.util.LinkedHashMap<String, Object>(Sec.usage(OTHER, "openai", "0.01"));
            settle.put("reservation_id", hold);
            McpSchema.CallToolResult refused = mcp.other().callTool(
                    new McpSchema.CallToolRequest("record_usage", settle));
            assertThat(refused.isError()).isTrue();
            assertThat(Json.mapper().valueToTree(refused.structuredContent()).get("error").get("code").asText())
                    .isEqualTo("forbidden");
            assertThat(Sec.ledgerRows(t, OTHER)).isEqualTo(rows);
            assertThat(adminGet("/api/v1/reservations/" + hold).get("status").asText()).isEqualTo("active");

            String requestId = "req-" + UUID.randomUUID();
            var first = new java.util.LinkedHashMap<String, Object>(Sec.usage(OWN, "openai", "0.04"));
            first.put("request_id", requestId);
            McpSchema.CallToolResult recorded = mcp.own().callTool(
                    new McpSchema.CallToolRequest("record_usage", first));
            assertThat(recorded.isError()).as(String.valueOf(recorded.content())).isFalse();
            String recordId = Json.mapper().valueToTree(recorded.structuredContent()).get("record_id").asText();
            var replay = new java.util.LinkedHashMap<String, Object>(Sec.usage(OTHER, "openai", "0.04"));
            replay.put("request_id", requestId);
            McpSchema.CallToolResult replayed = mcp.other().callTool(
                    new McpSchema.CallToolRequest("record_usage", replay));
            assertThat(replayed.isError()).isTrue();
            JsonNode answer = Json.mapper().valueToTree(replayed.structuredContent());
            assertThat(answer.get("error").get("code").asText()).isEqualTo("conflict");
            assertThat(answer.toString() + replayed.content()).doesNotContain(recordId);
            assertThat(Sec.ledgerRows(t, OTHER)).isEqualTo(rows);
        }
    }

    @Test
    void mcp_promptAndStatusResource_showAComponentKeyOnlyItsOwnAndGlobalBudgets() {
        try (Sessions mcp = Sessions.open()) {
            McpSchema.ReadResourceRequest status = new McpSchema.ReadResourceRequest("penia://budgets/status");
            McpSchema.GetPromptRequest prompt = new McpSchema.GetPromptRequest("budget_management", Map.of());
            assertThat(text(mcp.other().readResource(status))).doesNotContain(budA);
            assertThat(text(mcp.other().getPrompt(prompt))).doesNotContain(budA);
            assertThat(text(mcp.own().readResource(status))).contains(budA);
            assertThat(text(mcp.own().getPrompt(prompt))).contains(budA);
            assertThat(text(mcp.viewer().readResource(status))).contains(budA);
            assertThat(text(mcp.viewer().getPrompt(prompt))).contains(budA);
        }
    }

    /**
     * The browser rules come before any key (issue 18): a foreign Origin or Host is 403 and a
     * non-JSON body 415 for every role, the admin included, on REST, /ws and /mcp; nothing changes.
     */
    @Test
    void browserRules_refuseEveryRole_beforeTheKey_onRestWebSocketAndMcp() {
        for (Role role : Role.values()) {
            String key = KEYS.get(role);
            String id = "browser-" + role + "-" + UUID.randomUUID();
            Map<String, String> h = new java.util.LinkedHashMap<>();
            h.put("Host", "127.0.0.1:" + t.port());
            h.put("Connection", "close");
            if (key != null) {
                h.put("X-API-Key", key);
            }
            String body = "{\"budget_id\":\"" + id + "\",\"name\":\"x\",\"limits\":{\"monthly\":0.01}}";
            Map<String, String> textPlain = new java.util.LinkedHashMap<>(h);
            textPlain.put("Content-Type", "text/plain");
            assertThat(RawHttp.send(t.port(), "POST", "/api/v1/budgets", textPlain, body).status()).as("text/plain as " + role)
                    .isEqualTo(415);
            Map<String, String> foreign = new java.util.LinkedHashMap<>(h);
            foreign.put("Content-Type", "application/json");
            foreign.put("Origin", "http://evil.example");
            assertThat(RawHttp.send(t.port(), "POST", "/api/v1/budgets", foreign, body).status()).as("Origin as " + role)
                    .isEqualTo(403);
            foreign.remove("Origin");
            foreign.put("Host", "evil.example:" + t.port());
            assertThat(RawHttp.send(t.port(), "POST", "/api/v1/budgets", foreign, body).status()).as("Host as " + role)
                    .isEqualTo(403);
            foreign.put("Accept", "application/json, text/event-stream");
            assertThat(RawHttp.send(t.port(), "POST", "/mcp", foreign, Sec.INITIALIZE).status()).as("/mcp Host as " + role)
                    .isEqualTo(403);
            Map<String, String> ws = RawHttp.upgrade("127.0.0.1:" + t.port());
            ws.put("Origin", "http://evil.example");
            if (key != null) {
                ws.put("X-API-Key", key);
            }
            assertThat(RawHttp.send(t.port(), "GET", "/ws", ws, null).status()).as("/ws Origin as " + role).isEqualTo(403);
            assertThat(Sec.get(t, ADMIN_KEY, "/api/v1/budgets/" + id).status()).as("created as " + role).isEqualTo(404);
        }
    }

    private static String text(McpSchema.ReadResourceResult r) {
        return r.contents().stream().map(c -> ((McpSchema.TextResourceContents) c).text())
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    private static String text(McpSchema.GetPromptResult r) {
        return r.messages().stream().map(m -> ((McpSchema.TextContent) m.content()).text())
                .collect(java.util.stream.Collectors.joining("\n"));
    }
}
