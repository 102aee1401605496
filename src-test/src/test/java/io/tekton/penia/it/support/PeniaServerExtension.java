package io.tekton.penia.it.support;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts and stops the server of a {@link PeniaServerTest} class. The server lives in the JUnit
 * store of the class (or of the test with {@code perTest}), which closes it when that scope ends,
 * so no test class needs its own start/stop methods.
 */
public final class PeniaServerExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PeniaServerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!settings(context).perTest()) {
            inject(null, context.getRequiredTestClass(), start(context));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        TestServer server = settings(context).perTest() ? start(context) : server(context);
        inject(context.getRequiredTestInstance(), context.getRequiredTestClass(), server);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext context) {
        Class<?> type = p.getParameter().getType();
        return type == TestServer.class || type == PeniaClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext context) {
        TestServer server = server(context);
        return p.getParameter().getType() == TestServer.class ? server : client(context, server);
    }

    private static PeniaServerTest settings(ExtensionContext context) {
        PeniaServerTest s = context.getRequiredTestClass().getAnnotation(PeniaServerTest.class);
        if (s == null) {
            throw new ExtensionConfigurationException(context.getRequiredTestClass() + " is not a @PeniaServerTest");
        }
        return s;
    }

    /** The server of the innermost scope that has one (the test's, else the class's). */
    private static TestServer server(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            TestServer s = c.getStore(NS).get(TestServer.class, TestServer.class);
            if (s != null) {
                return s;
            }
        }
        throw new ExtensionConfigurationException("no Penia server started yet for " + context.getUniqueId()
                + " (a perTest server is not there in @BeforeAll)");
    }

    private static TestServer start(ExtensionContext context) {
        Class<?> type = context.getRequiredTestClass();
        PeniaServerTest s = settings(context);
        Method factory = annotatedFactory(type);
        TestServer server;
        if (factory != null) {
            server = (TestServer) invoke(factory);
        } else {
            Map<String, String> env = new HashMap<>();
            if (s.adminKey()) {
                env.put("PENIA_ADMIN_KEY", PeniaClient.ADMIN_KEY);
            }
            for (String kv : s.env()) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new ExtensionConfigurationException("env entry is not NAME=value: " + kv);
                }
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            server = TestServer.start(env, clock(type, context.getTestInstance().orElse(null)));
        }
        // The store closes AutoCloseable values when its scope (class or test) ends.
        context.getStore(NS).put(TestServer.class, server);
        return server;
    }

    private static PeniaClient client(ExtensionContext context, TestServer server) {
        return new PeniaClient(server, settings(context).adminKey() ? PeniaClient.ADMIN_KEY : null);
    }

    /** Sets the fields of type TestServer and PeniaClient: static ones always, instance ones when given one. */
    private static void inject(Object instance, Class<?> type, TestServer server) {
        PeniaServerTest s = type.getAnnotation(PeniaServerTest.class);
        PeniaClient client = new PeniaClient(server, s.adminKey() ? PeniaClient.ADMIN_KEY : null);
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                boolean isStatic = Modifier.isStatic(f.getModifiers());
                if (Modifier.isFinal(f.getModifiers()) || (!isStatic && instance == null)) {
                    continue;
                }
                Object value = f.getType() == TestServer.class ? server : f.getType() == PeniaClient.class ? client : null;
                if (value != null) {
                    try {
                        f.setAccessible(true);
                        f.set(isStatic ? null : instance, value);
                    } catch (IllegalAccessException e) {
                        throw new ExtensionConfigurationException("cannot set " + f, e);
                    }
                }
            }
        }
    }

    /** The {@code @Clock} field's value; an instance field only with a per-test server. */
    private static InstantSource clock(Class<?> type, Object instance) {
        for (Field f : type.getDeclaredFields()) {
            if (f.isAnnotationPresent(PeniaServerTest.Clock.class)) {
                boolean isStatic = Modifier.isStatic(f.getModifiers());
                if ((!isStatic && instance == null) || !InstantSource.class.isAssignableFrom(f.getType())) {
                    throw new ExtensionConfigurationException(
                            "@Clock needs an InstantSource field, static unless perTest = true: " + f);
                }
                try {
                    f.setAccessible(true);
                    return (InstantSource) f.get(isStatic ? null : instance);
                } catch (IllegalAccessException e) {
                    throw new ExtensionConfigurationException("cannot read " + f, e);
                }
            }
        }
        return InstantSource.system();
    }

    private static Method annotatedFactory(Class<?> type) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.isAnnotationPresent(PeniaServerTest.Factory.class)) {
                if (!Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0
                        || m.getReturnType() != TestServer.class) {
                    throw new ExtensionConfigurationException("@Factory needs a static TestServer method(): " + m);
                }
                return m;
            }
        }
        return null;
    }

    private static Object invoke(Method m) {
        try {
            m.setAccessible(true);
            return m.invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new ExtensionConfigurationException("@Factory " + m + " failed", e.getCause() == null ? e : e.getCause());
        }
    }
}
