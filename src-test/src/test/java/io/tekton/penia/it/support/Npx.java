package io.tekton.penia.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs a Node tool through {@code npx} for a test (the OpenAPI linters, the MCP conformance suite):
 * bounded in time, its output kept in a log file of the test's work folder and printed.
 */
public final class Npx {
    private Npx() {
    }

    /** A finished run: its exit code and all it wrote (standard output and error, npm's lines too). */
    public record Result(int exitCode, String output) {
    }

    /** Skips the calling test when npx is not on PATH: {@code what} cannot run without it. */
    public static void assumeInstalled(String what) {
        assumeTrue(Executables.onPath("npx") != null, "npx is not installed; " + what + " cannot run");
    }

    /**
     * Runs {@code npx args} in {@code work} and prints its output without npm's warnings. Fails the
     * test when {@code what} is still running after {@code timeoutSeconds} (it and the node
     * processes under it are killed first); any exit code is the caller's to judge.
     */
    public static Result run(Path work, String what, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        assumeInstalled(what);
        Path log = work.resolve("npx.log");
        List<String> command = new ArrayList<>(List.of(Executables.onPath("npx").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly); // node under npx
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output.lines().filter(line -> !line.startsWith("npm warn"))
                .reduce("", (a, b) -> a + b + "\n"));
        if (!exited) {
            fail(what + " did not finish within " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), output);
    }
}
