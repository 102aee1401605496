package io.tekton.penia.it.postgres;

import io.tekton.penia.engine.store.postgres.PgUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PENIA_DB's PostgreSQL forms (issue 23): libpq's URI and the JDBC driver's URL, the password from the URL
 * or from PENIA_DB_PASSWORD, a clear refusal of anything malformed, and a password that never shows in
 * {@code toString} or in an error message.
 */
class PgUrlTest {

    @Test
    void uriForm_userHostPortDb_parsesEachPart_withoutPassword() {
        PgUrl u = PgUrl.parse("postgresql://penia@db.example.com:6543/ledger", null);
        assertThat(u.user()).isEqualTo("penia");
        assertThat(u.password()).isNull();
        assertThat(u.host()).isEqualTo("db.example.com");
        assertThat(u.port()).isEqualTo(6543);
        assertThat(u.database()).isEqualTo("ledger");
        assertThat(u.params()).isEmpty();
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6543/ledger");
        assertThat(u.properties()).containsOnly(Map.entry("user", "penia"));
        assertThat(u.toString()).isEqualTo("postgresql://penia@db.example.com:6543/ledger");
    }

    @Test
    void uriForm_withPasswordAndParams_defaultsThePort_andPassesParamsToTheDriver() {
        PgUrl u = PgUrl.parse("postgresql://penia:s3cr%40t@10.0.0.7/ledger?sslmode=require&ApplicationName=edge", "ignored");
        assertThat(u.password()).as("the URL's password wins over PENIA_DB_PASSWORD").isEqualTo("s3cr@t");
        assertThat(u.port()).isEqualTo(PgUrl.DEFAULT_PORT);
        assertThat(u.params()).containsExactly(Map.entry("sslmode", "require"), Map.entry("ApplicationName", "edge"));
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://10.0.0.7:5432/ledger?sslmode=require&ApplicationName=edge");
        assertThat(u.properties()).containsOnly(Map.entry("user", "penia"), Map.entry("password", "s3cr@t"));
    }

    @Test
    void passwordWithUnencodedAt_endsAtTheLastAt() {
        PgUrl u = PgUrl.parse("postgresql://penia:p@ss@h/ledger", null);
        assertThat(u.password()).isEqualTo("p@ss");
        assertThat(u.host()).isEqualTo("h");
    }

    @Test
    void passwordFromEnvironment_whenTheUrlHasNone() {
        PgUrl u = PgUrl.parse("postgres://penia@localhost/ledger", "from-env");
        assertThat(u.password()).isEqualTo("from-env");
        assertThat(PgUrl.parse("postgres://penia@localhost/ledger", "").password()).as("empty means none").isNull();
    }

    @Test
    void jdbcForm_takesUserAndPasswordFromItsParameters() {
        PgUrl u = PgUrl.parse("jdbc:postgresql://[::1]:5433/ledger?user=penia&password=pw&sslmode=disable", null);
        assertThat(u.host()).isEqualTo("[::1]");
        assertThat(u.port()).isEqualTo(5433);
        assertThat(u.user()).isEqualTo("penia");
        assertThat(u.password()).isEqualTo("pw");
        assertThat(u.params()).containsExactly(Map.entry("sslmode", "disable"));
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433/ledger?sslmode=disable").doesNotContain("pw");
        assertThat(PgUrl.parse("jdbc:postgresql://h/ledger?user=penia", "env").password()).isEqualTo("env");
    }

    @Test
    void isPostgres_tellsPostgresUrlsFromSqliteFiles() {
        assertThat(PgUrl.isPostgres("postgresql://u@h/d")).isTrue();
        assertThat(PgUrl.isPostgres("  JDBC:PostgreSQL://h/d?user=u")).isTrue();
        assertThat(PgUrl.isPostgres("postgres://u@h/d")).isTrue();
        assertThat(PgUrl.isPostgres("data/penia.db")).isFalse();
        assertThat(PgUrl.isPostgres("/var/lib/postgresql.db")).isFalse();
        assertThat(PgUrl.isPostgres(null)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "mysql://u@h/d                         | expected postgresql://",
            "postgresql://u@/d                      | no host",
            "postgresql://u@h                       | no database name",
            "postgresql://u@h/                      | no database name",
            "postgresql://u@h/a/b                   | one path segment",
            "postgresql://u@h:0/d                   | the port is not a number from 1 to 65535",
            "postgresql://u@h:70000/d               | the port is not a number from 1 to 65535",
            "postgresql://u@h:abc/d                 | the port is not a number from 1 to 65535",
            "postgresql://u@h1,h2/d                 | several hosts",
            "postgresql://h/d                       | no user",
            "jdbc:postgresql://h/d                  | no user",
            "postgresql://u@h/d?sslmode             | name=value pairs",
            "postgresql://u@h/d?a=1&&b=2            | name=value pairs",
            "postgresql://u@h/d?a=1&a=2             | is given twice",
            "postgresql://u%zz@h/d                  | the user name has a broken percent-encoding",
            "postgresql://u@h/d#frag                | fragment",
            "postgresql://u@h!/d                    | the host is not a host name",
    })
    void malformed_isRefused_namingTheProblem(String url, String expected) {
        assertThatThrownBy(() -> PgUrl.parse(url, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PENIA_DB")
                .hasMessageContaining(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "postgresql://u@h/d b", "postgresql://u@h/d\tx"})
    void blankOrWithSpaces_isRefused(String url) {
        assertThatThrownBy(() -> PgUrl.parse(url, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PENIA_DB");
    }

    @Test
    void password_neverInToStringOrErrors() {
        String secret = "Hunter2Secret";
        PgUrl u = PgUrl.parse("postgresql://penia:" + secret + "@h:5432/ledger", null);
        assertThat(u.toString()).isEqualTo("postgresql://penia:***@h:5432/ledger").doesNotContain(secret);
        assertThat(PgUrl.parse("postgresql://penia@h/ledger", secret).toString()).doesNotContain(secret).contains(":***@");
        assertThat(PgUrl.parse("jdbc:postgresql://h/ledger?user=penia&password=" + secret, null).toString())
                .doesNotContain(secret);

        // Malformed URLs are echoed redacted, wherever the password sits and whatever it contains.
        for (String bad : new String[]{
                "postgresql://penia:" + secret + "@h:notaport/ledger",
                "postgresql://penia:" + secret + "/with/slash@h:x/ledger",
                "postgresql://penia:" + secret + "@@h/",
                "jdbc:postgresql://h:99999/ledger?user=penia&password=" + secret,
                "jdbc:postgresql://h/ledger?PASSWORD=" + secret + "&user=penia&x",
        }) {
            assertThatThrownBy(() -> PgUrl.parse(bad, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("***")
                    .hasMessageNotContaining(secret);
        }
    }
}
