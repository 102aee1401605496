package io.tekton.penia.it.support;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A black-box test class against the real server: {@link PeniaServerExtension} starts one
 * {@link TestServer} for the class (or one per test with {@link #perTest()}), closes it afterwards,
 * and injects it and a {@link PeniaClient} into fields and parameters of those types.
 *
 * <pre>{@code
 * @PeniaServerTest(env = "PENIA_TIMEZONE=Europe/Berlin")
 * class SomeTest {
 *     @PeniaServerTest.Clock static final MutableClock clock = new MutableClock(Instant.parse("…"));
 *     static PeniaClient penia;          // injected
 *
 *     @Test void x() { String id = penia.componentBudget(c, Map.of("daily", "10")); … }
 * }
 * }</pre>
 *
 * Settings the attributes cannot express (an adjusted configuration, a seeded database) go in a
 * static method marked {@link Factory} that returns the started server.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(PeniaServerExtension.class)
public @interface PeniaServerTest {
    /** Extra environment of the server, each {@code NAME=value}. */
    String[] env() default {};

    /** Starts the server with {@code PENIA_ADMIN_KEY} = {@link PeniaClient#ADMIN_KEY}; the client sends it. */
    boolean adminKey() default false;

    /** A fresh server (and database) for every test method instead of one for the class. */
    boolean perTest() default false;

    /**
     * Marks the {@link java.time.InstantSource} field that is the server's clock: static, or an
     * instance field (a fresh clock per test) when {@link #perTest()} is set.
     */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    @interface Clock {
    }

    /** Marks a static no-argument method returning the started {@link TestServer}. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Factory {
    }
}
