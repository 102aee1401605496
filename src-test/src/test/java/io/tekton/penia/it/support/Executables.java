package io.tekton.penia.it.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Commands the tests run from the machine (npx, promtool, …), found on PATH as a shell would. */
public final class Executables {
    private Executables() {
    }

    /** The first executable file named {@code command} in a PATH directory, or null when there is none. */
    public static Path onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
