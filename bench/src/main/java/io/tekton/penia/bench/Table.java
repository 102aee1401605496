package io.tekton.penia.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A results table: printed aligned, saved as text and as JSON rows under the results directory. */
public final class Table {
    private final String title;
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public Table(String title, String... header) {
        this.title = title;
        this.header = List.of(header);
    }

    public Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null ? "" : c.toString());
        }
        rows.add(r);
        return this;
    }

    public Table note(String n) {
        notes.add(n);
        return this;
    }

    public String render() {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], i < r.size() ? r.get(i).length() : 0);
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("== ").append(title).append(" ==\n");
        line(b, header, w);
        StringBuilder sep = new StringBuilder();
        for (int x : w) {
            sep.append("-".repeat(x)).append("  ");
        }
        b.append(sep.toString().stripTrailing()).append('\n');
        for (List<String> r : rows) {
            line(b, r, w);
        }
        for (String n : notes) {
            b.append("  ").append(n).append('\n');
        }
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            String c = i < cells.size() ? cells.get(i) : "";
            l.append(i == 0 ? pad(c, w[i]) : lpad(c, w[i])).append("  ");
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }

    private static String lpad(String s, int w) {
        return " ".repeat(Math.max(0, w - s.length())) + s;
    }

    /** Prints the table and writes {@code name.txt} and {@code name.json} into {@code dir}. */
    public void emit(Path dir, String name) {
        String text = render();
        System.out.println(text);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".txt"), text);
            List<Map<String, String>> json = new ArrayList<>();
            for (List<String> r : rows) {
                Map<String, String> m = new LinkedHashMap<>();
                for (int i = 0; i < header.size() && i < r.size(); i++) {
                    m.put(header.get(i), r.get(i));
                }
                json.add(m);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("title", title);
            doc.put("rows", json);
            doc.put("notes", notes);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(name + ".json").toFile(), doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String f(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** Microseconds as milliseconds with 2 decimals. */
    public static String ms(double micros) {
        return f(micros / 1000.0, 2);
    }
}
