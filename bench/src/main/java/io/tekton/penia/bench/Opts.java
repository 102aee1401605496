package io.tekton.penia.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --key value} and {@code --flag} options of a bench command. */
public record Opts(Map<String, String> values) {
    /** A wrong combination of options: the bench prints the message (no stack trace) and exits with 2. */
    public static final class Invalid extends IllegalArgumentException {
        public Invalid(String message) {
            super(message);
        }
    }

    public static Opts parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --key, got '" + a + "'");
            }
            String k = a.substring(2);
            int eq = k.indexOf('=');
            if (eq >= 0) {
                m.put(k.substring(0, eq), k.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                m.put(k, args[++i]);
            } else {
                m.put(k, "true");
            }
        }
        return new Opts(m);
    }

    public String str(String k, String dflt) {
        return values.getOrDefault(k, dflt);
    }

    public String required(String k) {
        String v = values.get(k);
        if (v == null) {
            throw new IllegalArgumentException("--" + k + " is required");
        }
        return v;
    }

    public int intValue(String k, int dflt) {
        String v = values.get(k);
        return v == null ? dflt : Integer.parseInt(v);
    }

    public long longValue(String k, long dflt) {
        String v = values.get(k);
        return v == null ? dflt : Long.parseLong(v.replace("_", ""));
    }

    public boolean flag(String k) {
        return Boolean.parseBoolean(values.getOrDefault(k, "false"));
    }

    public Path path(String k, String dflt) {
        return Path.of(str(k, dflt));
    }

    public List<String> list(String k, String dflt) {
        String v = str(k, dflt);
        return v.isBlank() ? List.of() : List.of(v.split(","));
    }
}
