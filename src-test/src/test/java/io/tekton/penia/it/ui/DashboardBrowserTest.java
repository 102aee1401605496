package io.tekton.penia.it.ui;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.it.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard at {@code /} in a real browser (headless Chromium), against a server that
 * requires keys: what a person sees must equal what the API answers, live. One browser for
 * the class; each test makes its own budgets and components. Screenshots of every page go to
 * {@code target/screenshots}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("slow")
class DashboardBrowserTest {
    static final String ADMIN = "ui-admin-key-" + UUID.randomUUID();
    static TestServer t;
    static Browser b;
    static String viewerKey;

    @BeforeAll
    static void up() {
        boolean present = Browser.chromium() != null && Browser.chromedriver() != null;
        if (!present && System.getenv("PENIA_REQUIRE_BROWSER") != null) {
            throw new IllegalStateException("chromium and chromium-driver are required (apt-get install -y chromium chromium-driver)");
        }
        Assumptions.assumeTrue(present, "chromium and chromium-driver are not installed; the browser tests are skipped");
        // First-spend notices from the start (not after a day of history), so the Alerts page has anomaly alerts to show.
        t = TestServer.start(Map.of("PENIA_ADMIN_KEY", ADMIN, "PENIA_FIRST_SPEND_NOTICE_AFTER_HOURS", "0"));
        viewerKey = call("POST", "/api/v1/keys", Map.of("name", "ui viewer", "role", "viewer")).get("secret").asText();
        b = Browser.start();
    }

    @AfterAll
    static void down() {
        if (b != null) {
            b.close();
        }
        if (t != null) {
            t.close();
        }
    }

    @AfterEach
    void noScriptOrPolicyErrors() {
        if (b == null) {
            return;
        }
        // Refused API calls are logged by the browser as failed loads (expected: 401 before signing
        // in, the viewer's 403 on /keys); a script error or a CSP violation is a defect.
        List<String> bad = b.console().stream().filter(l -> l.contains("Uncaught") || l.contains("Content Security Policy")
                || l.contains("SyntaxError") || l.contains("TypeError")).toList();
        assertThat(bad).as("browser console").isEmpty();
    }

    // ---- helpers ------------------------------------------------------------------------

    static JsonNode call(String method, String path, Object body) {
        return send(ADMIN, method, path, body).body();
    }

    static TestServer.Resp send(String key, String method, String path, Object body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(t.base() + path)).header("X-API-Key", key);
        if (body == null) {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(TestServer.json(body)));
        }
        TestServer.Resp resp = t.send(r);
        assertThat(resp.status()).as(method + " " + path + ": " + resp.raw()).isLessThan(300);
        return resp;
    }

    static String budget(String component, Map<String, Object> limits) {
        String id = "ui-" + component;
        call("POST", "/api/v1/budgets", Map.of("budget_id", id, "name", "Budget " + component,
                "scope", Map.of("component", component), "limits", limits));
        return id;
    }

    static JsonNode record(String component, String provider, String cost) {
        return call("POST", "/api/v1/usage/record", Map.of("component", component, "provider", provider,
                "model", "model-x", "input_tokens", 1000, "output_tokens", 200, "cost", new BigDecimal(cost)));
    }

    /** The page at {@code #/hash} with the key in the tab's sessionStorage, reloaded. */
    static void open(String key, String hash, String page) {
        b.driver.get(t.base() + "/#/" + hash);
        b.driver.executeScript("sessionStorage.setItem('penia.apiKey', arguments[0]);", key);
        b.driver.navigate().refresh();
        awaitPage(page);
    }

    static void awaitPage(String page) {
        await().atMost(Duration.ofSeconds(10)).until(() -> page.equals(find("#main").getAttribute("data-page"))
                && !b.driver.findElements(By.cssSelector("#main > section")).isEmpty());
    }

    static WebElement find(String css) {
        return b.driver.findElement(By.cssSelector(css));
    }

    static List<WebElement> all(String css) {
        return b.driver.findElements(By.cssSelector(css));
    }

    static String money(JsonNode n) {
        return "$" + new BigDecimal(n.asText()).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    static String card(String budgetId) {
        return "article.budget[data-budget-id='" + budgetId + "']";
    }

    static String text(String css) {
        // A live update may replace the element between finding and reading it: read it again.
        for (int attempt = 0; ; attempt++) {
            try {
                List<WebElement> e = all(css);
                return e.isEmpty() ? null : e.getFirst().getText();
            } catch (org.openqa.selenium.StaleElementReferenceException stale) {
                if (attempt == 4) {
                    throw stale;
                }
            }
        }
    }

    // ---- tests --------------------------------------------------------------------------

    @Test
    @Order(1)
    void overview_showsTheApisNumbers_andARecordMovesItsBarLive() {
        String a = budget("ov-a", Map.of("daily", 10, "monthly", 100));
        String z = budget("ov-b", Map.of("monthly", 50));
        record("ov-a", "anthropic", "1.23");
        record("ov-b", "openai", "4.56");
        Map<String, JsonNode> before = new LinkedHashMap<>();
        for (String id : List.of(a, z)) {
            before.put(id, call("GET", "/api/v1/budgets/" + id + "/summary", null).get("periods"));
        }
        open(ADMIN, "overview", "overview");
        await().atMost(Duration.ofSeconds(5)).until(() -> all(card(a)).size() == 1 && all(card(z)).size() == 1
                && "live".equals(text("#live")));
        for (String id : List.of(a, z)) {
            JsonNode periods = call("GET", "/api/v1/budgets/" + id + "/summary", null).get("periods");
            assertThat(all(card(id) + " .period")).hasSize(periods.size());
            periods.fields().forEachRemaining(p -> {
                String row = card(id) + " .period[data-period='" + p.getKey() + "'] ";
                assertThat(text(row + ".spent-value")).as(id + " " + p.getKey()).isEqualTo(money(p.getValue().get("spent")));
                assertThat(text(row + ".limit-value")).isEqualTo(money(p.getValue().get("limit")));
                // The projection moves with the clock (fast just after midnight): the page's lies between
                // the API's read before and after it.
                JsonNode early = before.get(id).get(p.getKey());
                assertBetween(id + " " + p.getKey() + " projected", text(row + ".projected-value"), early, p.getValue(),
                        v -> v.get("projected"));
            });
        }
        assertThat(text("#total-today")).isEqualTo(money(call("POST", "/api/v1/usage/summary", Map.of("period", "daily")).get("total_cost")));
        assertThat(text("#total-month")).isEqualTo(money(call("POST", "/api/v1/usage/summary", Map.of("period", "monthly")).get("total_cost")));
        assertThat(text(card(a) + " .breaker")).isEqualTo("breaker closed");
        String bar = card(a) + " .period[data-period='daily'] .fill.spent";
        String widthBefore = find(bar).getAttribute("style");
        String otherBefore = text(card(z) + " .spent-value");

        // A record posted over REST: the right bar moves without a reload, within 2 s.
        b.driver.executeScript("window.__sameDocument = true;");
        long t0 = System.nanoTime();
        record("ov-a", "anthropic", "2.50");
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(25))
                .until(() -> "$3.73".equals(text(card(a) + " .period[data-period='daily'] .spent-value")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("dashboard: a recorded usage reached the overview bar in " + ms + " ms");
        assertThat(find(bar).getAttribute("style")).isNotEqualTo(widthBefore).contains("37.3%");
        assertThat(text(card(a) + " .period[data-period='monthly'] .spent-value")).isEqualTo("$3.73");
        assertThat(text(card(z) + " .spent-value")).isEqualTo(otherBefore);
        assertThat(b.driver.executeScript("return window.__sameDocument === true;")).isEqualTo(true);
        await().atMost(Duration.ofSeconds(2)).until(() -> money(call("POST", "/api/v1/usage/summary",
                Map.of("period", "daily")).get("total_cost")).equals(text("#total-today")));
        // A check with a hold: the held amount shows on the bar within 2 s.
        JsonNode hold = call("POST", "/api/v1/budget-alerts/unified/check-operation", Map.of("component", "ov-a",
                "estimated_cost", 1.5, "reserve", true));
        assertThat(hold.get("allowed").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(25))
                .until(() -> "$1.50".equals(text(card(a) + " .period[data-period='daily'] .held-value")));
        assertThat(find(card(a) + " .period[data-period='daily'] .fill.held").getAttribute("style")).contains("width: 15%");
        b.screenshot("1-overview");
    }

    @Test
    @Order(2)
    void alert_arrivesLive_andCanBeDismissed() {
        String id = budget("al-a", Map.of("daily", 1));
        open(ADMIN, "alerts", "alerts");
        await().atMost(Duration.ofSeconds(5)).until(() -> "live".equals(text("#live")));
        record("al-a", "openai", "0.75"); // crosses 70 %
        String row = "tr.alert-row";
        AtomicReference<String> alertId = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(25)).until(() -> {
            for (WebElement r : all(row)) {
                if (r.getText().contains(id)) {
                    alertId.set(r.getAttribute("data-alert-id"));
                    return true;
                }
            }
            return false;
        });
        JsonNode api = call("GET", "/api/v1/alerts?budget_id=" + id, null).get("items");
        assertThat(api).hasSize(1);
        assertThat(alertId.get()).isEqualTo(api.get(0).get("alert_id").asText());
        String mine = row + "[data-alert-id='" + alertId.get() + "']";
        assertThat(text(mine + " .alert-message")).isEqualTo(api.get(0).get("message").asText());
        b.screenshot("4-alerts");
        find(mine + " button.dismiss").click();
        await().atMost(Duration.ofSeconds(3)).until(() -> "dismissed".equals(text(mine + " .dismissed-label")));
        assertThat(call("GET", "/api/v1/alerts?budget_id=" + id, null).get("items").get(0).get("is_dismissed").asBoolean()).isTrue();
        // The overview shows it as the budget's last alert.
        b.driver.get(t.base() + "/#/overview");
        awaitPage("overview");
        await().atMost(Duration.ofSeconds(5)).until(() -> text(card(id) + " .last-alert") != null
                && text(card(id) + " .last-alert").contains(api.get(0).get("message").asText()));
    }

    @Test
    @Order(3)
    void settings_createEditAndDelete_goThroughTheApi() {
        open(ADMIN, "settings", "settings");
        find("#new-budget").click();
        find("#b-budget_id").sendKeys("ui-made-in-settings");
        find("#b-name").sendKeys("Made in settings");
        find("#b-component").sendKeys("st-a");
        find("#b-limit_daily").sendKeys("12.5");
        find("#b-limit_monthly").sendKeys("200");
        find("#b-thresholds").clear();
        find("#b-thresholds").sendKeys("50, 90");
        b.screenshot("5-settings");
        find("#budget-save").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> !all("#budget-saved").isEmpty()
                && !all("tr.settings-row[data-budget-id='ui-made-in-settings']").isEmpty());
        JsonNode made = call("GET", "/api/v1/budgets/ui-made-in-settings", null);
        assertThat(made.get("name").asText()).isEqualTo("Made in settings");
        assertThat(made.get("scope").get("component").asText()).isEqualTo("st-a");
        assertThat(made.get("limits").get("daily").decimalValue()).isEqualByComparingTo("12.5");
        assertThat(made.get("limits").get("monthly").decimalValue()).isEqualByComparingTo("200");
        assertThat(made.get("alert_thresholds").toString()).isEqualTo("[50,90]");
        List<String> listed = new ArrayList<>();
        call("GET", "/api/v1/budgets", null).get("items").forEach(x -> listed.add(x.get("budget_id").asText()));
        assertThat(listed).contains("ui-made-in-settings");

        // Edit: a new stop percent and name.
        find("tr.settings-row[data-budget-id='ui-made-in-settings'] button.edit").click();
        find("#b-name").clear();
        find("#b-name").sendKeys("Renamed in settings");
        find("#b-stop_percent").clear();
        find("#b-stop_percent").sendKeys("99");
        find("#budget-save").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> call("GET", "/api/v1/budgets/ui-made-in-settings", null)
                .get("stop_percent").asInt() == 99);
        assertThat(call("GET", "/api/v1/budgets/ui-made-in-settings", null).get("name").asText()).isEqualTo("Renamed in settings");

        // Channels: the secret is write-only (sent, never shown back).
        find("tr.settings-row[data-budget-id='ui-made-in-settings'] button.edit").click();
        find("#b-channels-change").click();
        find("#b-webhook_url").sendKeys("https://hooks.example.com/penia");
        find("#b-webhook_secret").sendKeys("s3cret-value");
        find("#budget-save").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> call("GET", "/api/v1/budgets/ui-made-in-settings/alerts", null)
                .get("channels").size() == 1);
        JsonNode ch = call("GET", "/api/v1/budgets/ui-made-in-settings/alerts", null).get("channels").get(0);
        assertThat(ch.get("type").asText()).isEqualTo("webhook");
        assertThat(ch.get("has_secret").asBoolean()).isTrue();
        assertThat(ch.toString()).doesNotContain("s3cret-value");
        find("tr.settings-row[data-budget-id='ui-made-in-settings'] button.edit").click();
        assertThat(find("#budget-form").getText()).contains("(secret set)").doesNotContain("s3cret-value");
        assertThat(find("#b-webhook_secret").getAttribute("value")).isEmpty();
        find("#budget-form button[type='button']").click();

        // The overview shows it.
        find("#nav a[data-page='overview']").click();
        awaitPage("overview");
        await().atMost(Duration.ofSeconds(5)).until(() -> "Renamed in settings".equals(text(card("ui-made-in-settings") + " .budget-name")));
        assertThat(text(card("ui-made-in-settings") + " .period[data-period='daily'] .limit-value")).isEqualTo("$12.50");

        // An API error is shown in words: a duplicate id.
        find("#nav a[data-page='settings']").click();
        awaitPage("settings");
        find("#new-budget").click();
        find("#b-budget_id").sendKeys("ui-made-in-settings");
        find("#b-name").sendKeys("Twice");
        find("#b-limit_daily").sendKeys("1");
        find("#budget-save").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> text("#budget-form-error") != null
                && text("#budget-form-error").startsWith("Not created: ") && text("#budget-form-error").contains("HTTP 409"));

        // Delete, confirmed in the page.
        find("tr.settings-row[data-budget-id='ui-made-in-settings'] button.delete").click();
        find("tr.settings-row[data-budget-id='ui-made-in-settings'] button.confirm-delete").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> all("tr.settings-row[data-budget-id='ui-made-in-settings']").isEmpty());
        assertThat(t.send(HttpRequest.newBuilder(URI.create(t.base() + "/api/v1/budgets/ui-made-in-settings"))
                .header("X-API-Key", ADMIN).GET()).status()).isEqualTo(404);
        // Every change went through the REST API, so the audit trail has each one.
        List<String> actions = new ArrayList<>();
        call("GET", "/api/v1/audit?target_id=ui-made-in-settings", null).get("items").forEach(x -> actions.add(x.get("action").asText()));
        assertThat(actions).contains("budget.create", "budget.update", "budget.delete");
    }

    @Test
    @Order(4)
    void usage_filtersPagesAndExportsTheRowsOfTheApi() throws IOException {
        for (int i = 0; i < 12; i++) {
            record("us-a", i % 2 == 0 ? "openai" : "anthropic", "0.0" + (i + 10));
        }
        record("us-other", "openai", "0.5");
        open(ADMIN, "usage", "usage");
        find("#f-component").sendKeys("us-a");
        new Select(find("#f-limit")).selectByValue("10");
        find("#usage-apply").click();
        JsonNode page1 = call("GET", "/api/v1/usage/records?component=us-a&limit=10", null);
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(ids(page1.get("items"))));
        b.screenshot("3-usage");
        find("#page-next").click();
        JsonNode page2 = call("GET", "/api/v1/usage/records?component=us-a&limit=10&cursor=" + page1.get("next_cursor").asText(), null);
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(ids(page2.get("items"))));
        assertThat(ids()).hasSize(2);
        assertThat(find("#page-next").isEnabled()).isFalse();
        find("#page-prev").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(ids(page1.get("items"))));

        // Export CSV of the same filters: the downloaded rows are the API's rows.
        find("#export-csv").click();
        Path csv = b.downloads.resolve("penia-usage.csv");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(csv) && Files.size(csv) > 0);
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        JsonNode all = call("GET", "/api/v1/usage/records?component=us-a&limit=100", null).get("items");
        assertThat(lines).hasSize(all.size() + 1);
        String[] header = lines.getFirst().split(",");
        for (int i = 0; i < all.size(); i++) {
            String[] cells = lines.get(i + 1).split(",", -1);
            assertThat(cells).hasSameSizeAs(header);
            for (int c = 0; c < header.length; c++) {
                JsonNode v = all.get(i).get(header[c]);
                assertThat(cells[c]).as("row " + i + " " + header[c]).isEqualTo(v == null || v.isNull() ? "" : v.asText());
            }
        }
    }

    static List<String> ids() {
        return all("tr.usage-row").stream().map(r -> r.getAttribute("data-record-id")).toList();
    }

    static List<String> ids(JsonNode items) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.get("record_id").asText()));
        return out;
    }

    @Test
    @Order(5)
    void budgetDetail_andPrices_render() {
        String id = budget("dt-a", Map.of("daily", 5, "monthly", 60));
        record("dt-a", "anthropic", "1.10");
        record("dt-a", "openai", "0.40");
        open(ADMIN, "budget/" + id, "budget");
        await().atMost(Duration.ofSeconds(5)).until(() -> all("#burn-chart .uplot").size() == 1
                && all("#daily-chart .uplot").size() == 1 && all("#breakdowns table.breakdown").size() == 4);
        assertThat(text("#detail-figures .spent-value")).isEqualTo("$1.50");
        assertThat(text("#breakdowns table[data-dim='provider'] tbody")).contains("anthropic").contains("openai");
        b.screenshot("2-budget-detail");

        call("PUT", "/api/v1/prices/uitest/model-a", Map.of("input_per_million", 1, "output_per_million", 2));
        call("PUT", "/api/v1/prices/uitest/model-a", Map.of("input_per_million", 1.5, "output_per_million", 3));
        open(ADMIN, "prices", "prices");
        await().atMost(Duration.ofSeconds(5)).until(() -> !all("tr.price-row").isEmpty());
        find("#p-provider").sendKeys("uitest");
        find("#price-search button[type='submit']").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> all("tr.price-row").size() == 1
                && all("tr.price-row").getFirst().getText().startsWith("uitest model-a $1.500 $3.000"));
        find("tr.price-row button.link").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> "uitest / model-a".equals(text("#price-detail h3")));
        JsonNode history = call("GET", "/api/v1/prices/uitest/model-a", null).get("history");
        List<WebElement> versions = all("#price-detail tbody tr");
        assertThat(versions).hasSize(history.size()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(versions.get(0).getText()).contains("$1.500").contains("$3.000");
        assertThat(versions.get(1).getText()).contains("$1.000").contains("$2.000");
        find("#recommend button[type='submit']").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> all("#recommendation-table tbody tr").size() > 0);
        b.driver.executeScript("window.scrollTo(0, 0);");
        b.screenshot("6-prices");
    }

    @Test
    @Order(6)
    void viewer_signsInWithTheForm_andSeesNoEditControls() {
        String id = budget("vw-a", Map.of("daily", 1));
        record("vw-a", "openai", "0.80"); // an open alert a viewer could (but must not) dismiss
        b.driver.get(t.base() + "/");
        b.driver.executeScript("sessionStorage.clear();");
        b.driver.navigate().refresh();
        await().atMost(Duration.ofSeconds(5)).until(() -> find("#login").isDisplayed());
        find("#key-input").sendKeys("not-a-key");
        find("#key-submit").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> text("#login-error") != null && text("#login-error").contains("refused"));
        find("#key-input").sendKeys(viewerKey);
        find("#key-submit").click();
        awaitPage("overview");
        await().atMost(Duration.ofSeconds(5)).until(() -> all(card(id)).size() == 1);
        assertThat(text("#who")).isEqualTo("viewer");
        assertThat(find("#nav-settings").isDisplayed()).isFalse();
        assertThat(all("button.edit, button.delete, #new-budget")).isEmpty();
        find("#nav a[data-page='alerts']").click();
        awaitPage("alerts");
        await().atMost(Duration.ofSeconds(5)).until(() -> !all("tr.alert-row").isEmpty());
        assertThat(all("button.dismiss")).isEmpty();
        b.driver.get(t.base() + "/#/settings");
        awaitPage("overview");
        assertThat(all("#budget-form-box, button.edit")).isEmpty();
        find("#sign-out").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> find("#login").isDisplayed());
    }

    @Test
    @Order(7)
    void componentKey_seesOnlyItsOwnComponent() {
        String own = budget("ck-a", Map.of("daily", 3));
        budget("ck-b", Map.of("daily", 3));
        record("ck-a", "openai", "0.30");
        record("ck-b", "openai", "0.20");
        String key = call("POST", "/api/v1/keys", Map.of("name", "ui component", "role", "component", "component", "ck-a"))
                .get("secret").asText();
        open(key, "overview", "overview");
        await().atMost(Duration.ofSeconds(5)).until(() -> all(card(own)).size() == 1);
        assertThat(all("article.budget").stream().map(e -> e.getAttribute("data-budget-id")).toList()).containsExactly(own);
        assertThat(text(card(own) + " .spent-value")).isEqualTo("$0.30");
        assertThat(text("#total-today")).isEqualTo("$0.30");
        assertThat(find("#nav-settings").isDisplayed()).isFalse();
        find("#nav a[data-page='usage']").click();
        awaitPage("usage");
        await().atMost(Duration.ofSeconds(5)).until(() -> !all("tr.usage-row").isEmpty());
        assertThat(all("tr.usage-row td:nth-child(2)").stream().map(WebElement::getText).distinct().toList()).containsExactly("ck-a");
        // A filter it may not read is refused by the API, and the page says so in words.
        find("#f-component").sendKeys("ck-b");
        find("#usage-apply").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> find("#error").isDisplayed());
        assertThat(text("#error-text")).startsWith("The ledger could not be read: ").contains("HTTP 403");
        b.screenshot("8-component-key-error");
    }

    @Test
    @Order(8)
    void overviewWithFiftyBudgets_rendersAndReportsItsTime() throws IOException {
        for (int i = 0; i < 50; i++) {
            String c = "perf-" + i;
            budget(c, Map.of("hourly", 2, "daily", 10, "weekly", 50, "monthly", 150));
            record(c, "openai", "0." + (10 + i));
        }
        int expected = call("GET", "/api/v1/budgets", null).get("count").asInt();
        List<Long> times = new ArrayList<>();
        List<Long> fromLoad = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            open(ADMIN, "overview", "overview");
            await().atMost(Duration.ofSeconds(10)).until(() -> find("body").getAttribute("data-overview-ms") != null);
            assertThat(all("article.budget")).hasSize(expected);
            times.add(Long.parseLong(find("body").getAttribute("data-overview-ms")));
            fromLoad.add(Long.parseLong(find("body").getAttribute("data-overview-since-load-ms")));
        }
        String report = "overview of " + expected + " budgets: data loaded and rendered in " + times
                + " ms, from navigation start " + fromLoad + " ms (3 loads, no timed assertion)";
        // -Dpenia.dashboard.bigdb=<a database filled by `bench fill`>: the same over that ledger (open mode).
        String big = System.getProperty("penia.dashboard.bigdb");
        if (big != null) {
            try (TestServer bigServer = TestServer.start(Map.of("PENIA_DB", big))) {
                List<Long> bigTimes = new ArrayList<>();
                int bigCount = bigServer.get("/api/v1/budgets").body().get("count").asInt();
                for (int run = 0; run < 3; run++) {
                    b.driver.get(bigServer.base() + "/#/overview");
                    b.driver.navigate().refresh();
                    await().atMost(Duration.ofSeconds(20)).until(() -> find("body").getAttribute("data-overview-ms") != null);
                    assertThat(all("article.budget")).hasSize(bigCount);
                    bigTimes.add(Long.parseLong(find("body").getAttribute("data-overview-since-load-ms")));
                }
                long rows = bigServer.post("/api/v1/usage/summary", Map.of("start", "2000-01-01T00:00:00Z",
                        "end", "2100-01-01T00:00:00Z")).body().get("count").asLong();
                report += "\noverview of " + bigCount + " budgets over a ledger of " + rows + " rows, from navigation start: " + bigTimes + " ms";
            }
        }
        System.out.println("dashboard: " + report);
        Files.createDirectories(Browser.SCREENSHOTS);
        Files.writeString(Browser.SCREENSHOTS.resolve("overview-render.txt"), report + "\n");
        b.screenshot("7-overview-50-budgets");
    }

    // ---- task types and forecasts -------------------------------------------------------

    static void recordTask(String component, String model, String taskType, String cost) {
        call("POST", "/api/v1/usage/record", Map.of("component", component, "provider", "openai", "model", model,
                "task_type", taskType, "input_tokens", 500, "output_tokens", 100, "cost", new BigDecimal(cost)));
    }

    @Test
    @Order(9)
    void usage_taskTypeFilter_narrowsTheTableAndTheExportToTheApisRows() throws IOException {
        for (int i = 0; i < 5; i++) {
            recordTask("tt-a", "model-x", i % 2 == 0 ? "code" : "chat", "0.0" + (i + 1));
        }
        recordTask("tt-b", "model-x", "code", "0.09");
        open(ADMIN, "usage", "usage");
        find("#f-component").sendKeys("tt-a");
        find("#usage-apply").click();
        JsonNode every = call("GET", "/api/v1/usage/records?component=tt-a", null).get("items");
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(ids(every)));
        assertThat(cells("td.task-type")).containsExactlyInAnyOrder("code", "chat", "code", "chat", "code");

        find("#f-task_type").sendKeys("Code");
        find("#usage-apply").click();
        JsonNode code = call("GET", "/api/v1/usage/records?component=tt-a&task_type=code", null).get("items");
        assertThat(code).hasSize(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(ids(code)));
        assertThat(cells("td.task-type")).containsOnly("code");
        b.screenshot("3b-usage-task-type");

        // The export carries the same filter: its rows are the API's rows of that task type.
        find("#export-jsonl").click();
        Path jsonl = b.downloads.resolve("penia-usage.jsonl");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(jsonl) && Files.size(jsonl) > 0);
        List<String> exported = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            JsonNode r = io.tekton.penia.engine.Json.mapper().readTree(line);
            assertThat(r.get("task_type").asText()).isEqualTo("code");
            exported.add(r.get("record_id").asText());
        }
        assertThat(exported).isEqualTo(ids(code));
    }

    static List<String> cells(String css) {
        return all(css).stream().map(WebElement::getText).toList();
    }

    /** The budget's period view (with its forecast) from the API. */
    static JsonNode periodView(String id, String period) {
        return call("GET", "/api/v1/budgets/" + id + "/summary", null).get("periods").get(period);
    }

    /**
     * A figure shown in the page equals the API's, read just before and just after the page:
     * a forecast moves with the clock (monotonically, with no new spend), so the page's lies between.
     */
    static void assertBetween(String what, String shown, JsonNode before, JsonNode after, Function<JsonNode, JsonNode> pick) {
        BigDecimal s = new BigDecimal(shown.substring(1));
        BigDecimal x = new BigDecimal(money(pick.apply(before)).substring(1));
        BigDecimal y = new BigDecimal(money(pick.apply(after)).substring(1));
        assertThat(s).as(what).isBetween(x.min(y), x.max(y));
    }

    static void assertStopAt(String shown, JsonNode before, JsonNode after) {
        Instant s = Instant.parse(shown.replace(" UTC", "Z").replace(' ', 'T'));
        Instant x = Instant.parse(before.get("forecast").get("stop_at").asText()).with(java.time.temporal.ChronoField.NANO_OF_SECOND, 0);
        Instant y = Instant.parse(after.get("forecast").get("stop_at").asText()).with(java.time.temporal.ChronoField.NANO_OF_SECOND, 0);
        assertThat(s).as("stop reached at").isBetween(x.isBefore(y) ? x : y, x.isBefore(y) ? y : x);
    }

    /** The forecast figures under {@code scope} (a card's period or the detail's figures) equal the API's. */
    static void assertForecastShown(String scope, JsonNode before, JsonNode after) {
        assertThat(before.get("forecast").isObject()).as("the API has a forecast").isTrue();
        assertBetween("forecast", text(scope + " .forecast-value"), before, after, v -> v.get("forecast").get("expected"));
        assertBetween("low", text(scope + " .forecast-low"), before, after, v -> v.get("forecast").get("low"));
        assertBetween("high", text(scope + " .forecast-high"), before, after, v -> v.get("forecast").get("high"));
        if (before.get("forecast").get("stop_at").isNull() && after.get("forecast").get("stop_at").isNull()) {
            assertThat(all(scope + " .stop-at")).isEmpty();
        } else {
            assertThat(text(scope + " .stop-at")).startsWith("stop reached at ");
            assertStopAt(text(scope + " .stop-at-value"), before, after);
        }
    }

    @Test
    @Order(10)
    void forecast_onOverviewAndDetail_equalsTheApis_andTaskTypeBreakdownEqualsTheSummary() {
        // One budget on course to cross its stop threshold (a forecast alert on), one already past it.
        call("POST", "/api/v1/budgets", Map.of("budget_id", "ui-fc-a", "name", "Forecast fc-a",
                "scope", Map.of("component", "fc-a"), "limits", Map.of("monthly", 100), "forecast_alerts", true));
        String over = budget("fc-b", Map.of("monthly", 10));
        recordTask("fc-a", "model-x", "code", "25");
        recordTask("fc-a", "model-y", "chat", "10");
        recordTask("fc-a", "model-x", "summarize", "5");
        recordTask("fc-b", "model-x", "code", "9.80");

        JsonNode before = periodView("ui-fc-a", "monthly");
        JsonNode overBefore = periodView(over, "monthly");
        open(ADMIN, "overview", "overview");
        String row = card("ui-fc-a") + " .period[data-period='monthly']";
        String overRow = card(over) + " .period[data-period='monthly']";
        await().atMost(Duration.ofSeconds(5)).until(() -> !all(row + " .forecast-value").isEmpty()
                && !all(overRow + " .forecast-value").isEmpty());
        List<String> shownBand = List.of(find(row + " .forecast-band").getAttribute("style"), find(row + " .mark.projected").getAttribute("style"));
        assertForecastShown(row, before, periodView("ui-fc-a", "monthly"));
        assertForecastShown(overRow, overBefore, periodView(over, "monthly"));
        assertThat(text(overRow + " .stop-at")).as("past its stop: reached, not projected").doesNotContain("projected");
        assertThat(shownBand.get(0)).contains("left:").contains("width:");
        // $40 of $100 after a few days: the forecast runs past the limit, and the bar says so.
        boolean overLimit = periodView("ui-fc-a", "monthly").get("forecast").get("expected").decimalValue()
                .compareTo(new BigDecimal("100")) > 0;
        assertThat(find(row + " .bar").getAttribute("class").contains("forecast-over")).isEqualTo(overLimit);
        assertThat(text(card("ui-fc-a") + " .scope")).startsWith("component fc-a");
        b.driver.executeScript("document.querySelector(arguments[0]).scrollIntoView();", card("ui-fc-a"));
        b.screenshot("1b-overview-forecast");

        // Budget detail: the forecast figures, the interval on the chart, the task type breakdown.
        JsonNode d0 = periodView("ui-fc-a", "monthly");
        open(ADMIN, "budget/ui-fc-a", "budget");
        await().atMost(Duration.ofSeconds(5)).until(() -> all("#burn-chart .uplot").size() == 1
                && all("#breakdowns table.breakdown").size() == 4 && !all("#detail-figures .forecast-value").isEmpty());
        assertForecastShown("#detail-figures", d0, periodView("ui-fc-a", "monthly"));
        assertThat(text("#detail-figures .forecast-method")).isEqualTo(d0.get("forecast").get("method").asText());
        List<String> legend = cells("#burn-chart .u-legend .u-series th");
        assertThat(legend).anyMatch(l -> l.contains("forecast")).anyMatch(l -> l.contains("80% high"))
                .anyMatch(l -> l.contains("80% low"));
        JsonNode byTask = call("POST", "/api/v1/usage/summary", Map.of("budget_id", "ui-fc-a", "period", "monthly",
                "group_by", List.of("task_type"))).get("groups");
        Map<String, String> api = new LinkedHashMap<>();
        byTask.forEach(g -> api.put(g.get("task_type").asText(), "$" + new BigDecimal(g.get("cost").asText())
                .setScale(2, RoundingMode.HALF_UP).toPlainString() + " " + g.get("count").asText()));
        Map<String, String> shown = new LinkedHashMap<>();
        for (WebElement tr : all("#breakdowns table[data-dim='task_type'] tbody tr")) {
            List<WebElement> td = tr.findElements(By.tagName("td"));
            shown.put(td.get(0).getText(), td.get(1).getText() + " " + td.get(3).getText());
        }
        assertThat(api).containsOnlyKeys("code", "chat", "summarize");
        assertThat(shown).isEqualTo(api);
        assertThat(text("#breakdowns table[data-dim='task_type'] thead")).startsWith("task type");
        b.screenshot("2b-budget-detail-forecast");

        // The forecast alert and the first-spend notices (no budget) on the Alerts page.
        call("POST", "/api/v1/budget-alerts/check", Map.of());
        List<JsonNode> projected = new ArrayList<>();
        call("GET", "/api/v1/alerts?budget_id=ui-fc-a", null).get("items").forEach(a -> {
            if (a.get("alert_type").asText().equals("projected_overrun")) {
                projected.add(a);
            }
        });
        // Whether one is raised depends on the date: from the period's burn rate alone (no hourly history yet)
        // only after a quarter of the month, and only while that rate reaches the stop before the month ends.
        assertThat(projected).hasSizeLessThanOrEqualTo(1);
        AtomicReference<JsonNode> notice = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            for (JsonNode a : call("GET", "/api/v1/alerts?limit=500", null).get("items")) {
                if (a.get("alert_type").asText().equals("new_component") && a.get("message").asText().contains("'fc-a'")) {
                    notice.set(a);
                    return true;
                }
            }
            return false;
        });
        assertThat(notice.get().get("budget_id").isNull()).isTrue();
        open(ADMIN, "alerts", "alerts");
        new Select(find("#alert-filter")).selectByValue("all");
        String noticeRow = "tr.alert-row[data-alert-id='" + notice.get().get("alert_id").asText() + "']";
        await().atMost(Duration.ofSeconds(5)).until(() -> !all(noticeRow).isEmpty());
        assertThat(text(noticeRow + " .alert-type")).isEqualTo("new component");
        assertThat(text(noticeRow + " .alert-message")).isEqualTo(notice.get().get("message").asText());
        assertThat(find(noticeRow).findElements(By.tagName("td")).get(3).getText()).isEqualTo("–");
        assertThat(text(noticeRow + " .sev")).isEqualTo("info");
        for (JsonNode a : projected) {
            String r = "tr.alert-row[data-alert-id='" + a.get("alert_id").asText() + "']";
            assertThat(text(r + " .alert-type")).isEqualTo("projected overrun");
            assertThat(text(r + " .alert-message")).isEqualTo(a.get("message").asText());
            assertThat(text(r)).contains("ui-fc-a");
        }
        b.screenshot("4b-alerts-anomaly");

        // Settings: the scope's task type and the forecast alerts switch go through the API.
        open(ADMIN, "settings", "settings");
        find("tr.settings-row[data-budget-id='" + over + "'] button.edit").click();
        assertThat(find("#b-forecast_alerts").isSelected()).isFalse();
        find("#b-task_type").sendKeys("code");
        find("#b-forecast_alerts").click();
        b.screenshot("5b-settings-task-type");
        find("#budget-save").click();
        await().atMost(Duration.ofSeconds(5)).until(() -> !all("#budget-saved").isEmpty());
        JsonNode saved = call("GET", "/api/v1/budgets/" + over, null);
        assertThat(saved.get("scope").get("task_type").asText()).isEqualTo("code");
        assertThat(saved.get("forecast_alerts").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> text("tr.settings-row[data-budget-id='" + over + "']") != null
                && text("tr.settings-row[data-budget-id='" + over + "']").contains("task_type=code"));
        find("tr.settings-row[data-budget-id='" + over + "'] button.edit").click();
        assertThat(find("#b-forecast_alerts").isSelected()).isTrue();
        assertThat(find("#b-task_type").getAttribute("value")).isEqualTo("code");
    }
}
