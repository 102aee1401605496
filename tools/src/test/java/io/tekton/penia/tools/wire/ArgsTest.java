package io.tekton.penia.tools.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.engine.model.Money;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every reader's answer to a wrong value: the exact message clients see, naming the field. */
class ArgsTest {

    private static Args args(String json) {
        try {
            JsonNode n = Json.mapper().readTree(json);
            return Args.of(n);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The message of reading field {@code f} of {@code json} with {@code reader}. */
    private static String error(String json, Function<Args, Object> reader) {
        PeniaException e = catchThrowableOfType(PeniaException.class, () -> reader.apply(args(json)));
        assertThat(e).as("an error for " + json).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        return e.getMessage() + " | " + e.details().get("field");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = ';', textBlock = """
            str;       {"f":1};                      f: must be a string | f
            str;       {"f":"a\\u0000b"};            f: must be text without NUL characters | f
            str;       {"f":"\\ud800"};              f: must be valid Unicode text (a lone surrogate at index 0) | f
            reqStr;    {};                           f: is required | f
            long;      {"f":1.5};                    f: must be a whole number | f
            long;      {"f":"1"};                    f: must be a whole number | f
            long;      {"f":-1};                     f: must not be negative | f
            long;      {"f":1e300};                  f: must be a smaller number | f
            reqLong;   {"f":null};                   f: is required | f
            intRange;  {"f":6};                      f: must be between 1 and 5 | f
            intRange;  {"f":0};                      f: must be between 1 and 5 | f
            money;     {"f":"1"};                    f: must be a number (USD) | f
            money;     {"f":-0.5};                   f: must not be negative | f
            money;     {"f":1e13};                   f: must be at most 1e12 USD | f
            decimal;   {"f":true};                   f: must be a number | f
            decimal;   {"f":-1e-3};                  f: must not be negative | f
            decimal;   {"f":1e999999999};            f: must be at most 1e12 | f
            decimal;   {"f":1e-31};                  f: must be a number with at most 30 decimal places | f
            bool;      {"f":"true"};                 f: must be true or false | f
            instant;   {"f":"yesterday"};            f: must be an ISO-8601 timestamp like 2026-11-23T19:00:00Z | f
            instant;   {"f":"+10000-01-01T00:00:00Z"}; f: must be a timestamp in the years 0000 to 9999 | f
            strings;   {"f":1};                      f: must be an array of at most 2 strings | f
            strings;   {"f":["a","b","c"]};          f: must be an array of at most 2 strings | f
            strings;   {"f":["a",1]};                f: must be an array of strings | f
            ints;      {"f":"1"};                    f: must be an array of at most 2 whole numbers | f
            ints;      {"f":[1,9]};                  f: must be an array of whole numbers between 0 and 5 | f
            obj;       {"f":[]};                     f: must be an object | f
            nested;    {"f":{"g":1}};                f.g: must be a string | f.g
            objs;      {"f":{}};                     f: must be an array of at most 2 objects | f
            objs;      {"f":[{},1]};                 f[1]: must be an object | f[1]
            objsField; {"f":[{"g":true}]};           f[0].g: must be a string | f[0].g
            """)
    void wrongValue_isNamedWithItsField(String reader, String json, String expected) {
        Function<Args, Object> r = switch (reader) {
            case "str" -> a -> a.str("f");
            case "reqStr" -> a -> a.reqStr("f");
            case "long" -> a -> a.nonNegLong("f");
            case "reqLong" -> a -> a.reqNonNegLong("f");
            case "intRange" -> a -> a.intRange("f", 1, 5);
            case "money" -> a -> a.money("f");
            case "decimal" -> a -> a.decimal("f");
            case "bool" -> a -> a.bool("f");
            case "instant" -> a -> a.instant("f");
            case "strings" -> a -> a.strings("f", 2);
            case "ints" -> a -> a.ints("f", 2, 0, 5);
            case "obj" -> a -> a.obj("f");
            case "nested" -> a -> a.obj("f").str("g");
            case "objs" -> a -> a.objs("f", 2);
            case "objsField" -> a -> a.objs("f", 2).get(0).str("g");
            default -> throw new IllegalArgumentException(reader);
        };
        assertThat(error(json, r)).isEqualTo(expected);
    }

    @Test
    void goodValues_areReadAsGiven_andNullIsAbsent() {
        Args a = args("""
                {"s":"x","l":2.0,"m":0.0000004,"big":12.5,"d":0.000001234,"b":false,"one":"p",
                 "list":["p","q"],"ints":[1,2],"o":{"k":"v"},"os":[{}],"n":null}""");
        assertThat(a.str("s")).isEqualTo("x");
        assertThat(a.nonNegLong("l")).isEqualTo(2L);
        assertThat(a.money("m")).isEqualTo(Money.ZERO);
        assertThat(a.money("big")).isEqualTo(Money.ofUsd(new BigDecimal("12.5")));
        assertThat(a.decimal("d")).isEqualByComparingTo("0.000001234");
        assertThat(a.bool("b")).isFalse();
        assertThat(a.strings("one", 2)).isEqualTo(List.of("p"));
        assertThat(a.strings("list", 2)).isEqualTo(List.of("p", "q"));
        assertThat(a.ints("ints", 2, 0, 5)).isEqualTo(List.of(1, 2));
        assertThat(a.obj("o").str("k")).isEqualTo("v");
        assertThat(a.objs("os", 1)).hasSize(1);
        assertThat(a.str("n")).isNull();
        assertThat(a.money("n")).isNull();
        assertThat(a.strings("absent", 2)).isNull();
        a.noOthers();
    }

    @Test
    void unknownField_isNamed() {
        PeniaException e = catchThrowableOfType(PeniaException.class, () -> args("{\"typo\":1}").noOthers());
        assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_FIELD);
        assertThat(e.getMessage()).isEqualTo("typo: unknown field");
        assertThat(e.details()).isEqualTo(Map.of("field", "typo"));
    }
}
