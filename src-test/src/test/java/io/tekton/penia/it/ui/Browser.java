package io.tekton.penia.it.ui;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

/**
 * Debian's headless Chromium driven by its chromedriver (no Selenium Manager, no network):
 * a fresh profile per browser, downloads into a temporary folder, screenshots under
 * {@code target/screenshots}.
 */
final class Browser implements AutoCloseable {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    final ChromeDriver driver;
    final Path downloads;
    private final Path profile;

    private Browser(ChromeDriver driver, Path downloads, Path profile) {
        this.driver = driver;
        this.downloads = downloads;
        this.profile = profile;
    }

    static String chromium() {
        for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    static String chromedriver() {
        for (String p : List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    static Browser start() {
        try {
            Path profile = Files.createTempDirectory("penia-chromium");
            Path downloads = Files.createTempDirectory("penia-downloads");
            ChromeOptions o = new ChromeOptions();
            o.setBinary(chromium());
            o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
                    "--disable-default-apps", "--disable-extensions", "--window-size=1400,1000",
                    "--user-data-dir=" + profile);
            o.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                    "download.prompt_for_download", false));
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            o.setCapability("goog:loggingPrefs", logs);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(chromedriver())).usingAnyFreePort().build();
            return new Browser(new ChromeDriver(service, o), downloads, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves a PNG of the window as target/screenshots/{name}.png. */
    Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Path to = SCREENSHOTS.resolve(name + ".png");
            Files.copy(f.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The console messages since the last call. */
    List<String> console() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::toString).toList();
    }

    @Override
    public void close() {
        driver.quit();
        deleteTree(profile);
        deleteTree(downloads);
    }

    private static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder: best effort
        }
    }
}
