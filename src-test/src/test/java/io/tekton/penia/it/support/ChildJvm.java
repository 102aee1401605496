package io.tekton.penia.it.support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code bin/penia} as a child process: the server's Main in a JVM of its own, on this test run's class path. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** The command line of {@code penia <args>}. */
    public static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.tekton.penia.server.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The child's environment: {@code db} as PENIA_DB, Hermes off, the shipped configuration file; callers add to it. */
    public static Map<String, String> env(String db) {
        Map<String, String> env = new HashMap<>();
        env.put("PENIA_DB", db);
        env.put("PENIA_HERMES", "off");
        env.put("PENIA_CONFIG", Path.of(TestServer.repoRoot(), "config", "penia.yaml").toString());
        return env;
    }
}
