package io.tekton.penia.engine.model;

import java.util.List;
import java.util.Optional;

/**
 * An enum whose values travel as their names in lower case, as the API, the ledger and the tool
 * schemas spell them: {@code TASK_TYPE} is {@code task_type}. The enum only declares that it
 * implements this; its values' wire names are computed once per enum.
 */
public interface WireName {

    /** The constant's name (every enum has it). */
    String name();

    /** The constant's position in its enum (every enum has it). */
    int ordinal();

    /** The wire name: the constant's name in lower case. */
    default String wireName() {
        return WireNameTable.of(getClass()).get(ordinal());
    }

    /** Every wire name of {@code type}, in declaration order. */
    static <E extends Enum<E> & WireName> List<String> wireNames(Class<E> type) {
        return WireNameTable.of(type);
    }

    /** The value of {@code type} with this wire name; empty for null or any other text. */
    static <E extends Enum<E> & WireName> Optional<E> parse(Class<E> type, String wireName) {
        int i = wireName == null ? -1 : WireNameTable.of(type).indexOf(wireName);
        return i < 0 ? Optional.empty() : Optional.of(type.getEnumConstants()[i]);
    }
}
