package io.tekton.penia.it.cluster;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.Map;

/** A test class whose tests share one {@link Trio}, started before the first and closed after the last. */
abstract class TrioPerClass {
    static Trio trio;

    @BeforeAll
    static void startTrio() {
        trio = Trio.start(Map.of());
    }

    @AfterAll
    static void closeTrio() {
        if (trio != null) {
            trio.close();
        }
    }
}
