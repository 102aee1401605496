package io.tekton.penia.engine.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The wire names of each {@link WireName} enum by ordinal, computed on first use (they are written on every answer). */
final class WireNameTable {
    private static final ClassValue<List<String>> NAMES = new ClassValue<>() {
        @Override
        protected List<String> computeValue(Class<?> type) {
            // A constant with a body of its own is an instance of a subclass of its enum.
            Class<?> enumType = type.isEnum() ? type : type.getSuperclass();
            return Arrays.stream(enumType.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
                    .toList();
        }
    };

    private WireNameTable() {
    }

    static List<String> of(Class<?> type) {
        return NAMES.get(type);
    }
}
