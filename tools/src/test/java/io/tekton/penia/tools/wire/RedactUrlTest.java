package io.tekton.penia.tools.wire;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** What a non-admin caller sees of a channel URL: scheme, host and port, nothing that may be a credential. */
class RedactUrlTest {

    @ParameterizedTest(name = "{0} is shown as {1}")
    @CsvSource(textBlock = """
            # Scheme, host and port stay; path, query, fragment and user info are replaced.
            https://hooks.slack.com/services/T0/B0/secret, https://hooks.slack.com/…redacted
            https://hooks.example.com?token=secret,         https://hooks.example.com/…redacted
            http://127.0.0.1:9000/hook#secret,              http://127.0.0.1:9000/…redacted
            https://user:secret@example.com,                https://example.com/…redacted
            http://[::1]:8080/x,                            http://[::1]:8080/…redacted
            # A bare origin is shown as is.
            https://example.com,                            https://example.com
            https://example.com/,                           https://example.com
            # What is no URL with a host is redacted whole.
            not a url with spaces/secret,                   …redacted
            mailto:someone@example.com,                     …redacted
            /relative/secret,                               …redacted
            """)
    void redactUrl_keepsOnlySchemeHostAndPort(String url, String shown) {
        assertThat(Views.redactUrl(url)).isEqualTo(shown);
    }
}
