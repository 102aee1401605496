package io.tekton.penia.engine.price;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads a data file shipped on the class path next to a class; a missing or unreadable one is a packaging bug. */
final class Shipped {

    /** Makes a value of the file's bytes. */
    @FunctionalInterface
    interface Reader<T> {
        T read(InputStream in) throws IOException;
    }

    private Shipped() {
    }

    /**
     * The value {@code reader} makes of {@code resource}, found next to {@code owner}.
     *
     * @param what how the messages name the file, e.g. {@code quality table}
     * @throws IllegalStateException when the resource is missing or {@code reader} finds it malformed
     */
    static <T> T read(Class<?> owner, String resource, String what, Reader<T> reader) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(what + " " + resource + " is missing next to " + owner.getName());
            }
            return reader.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + " " + resource, e);
        }
    }
}
