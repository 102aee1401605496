package io.tekton.penia.tools.wire;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a non-admin caller sees of a channel URL: scheme, host and port, nothing that may be a credential. */
class RedactUrlTest {

    @Test
    void keepsSchemeHostAndPort_andReplacesPathQueryFragmentAndUserInfo() {
        assertThat(Views.redactUrl("https://hooks.slack.com/services/T0/B0/secret"))
                .isEqualTo("https://hooks.slack.com/…redacted");
        assertThat(Views.redactUrl("https://hooks.example.com?token=secret")).isEqualTo("https://hooks.example.com/…redacted");
        assertThat(Views.redactUrl("http://127.0.0.1:9000/hook#secret")).isEqualTo("http://127.0.0.1:9000/…redacted");
        assertThat(Views.redactUrl("https://user:secret@example.com")).isEqualTo("https://example.com/…redacted");
        assertThat(Views.redactUrl("http://[::1]:8080/x")).isEqualTo("http://[::1]:8080/…redacted");
    }

    @Test
    void aBareOrigin_isShownAsIs() {
        assertThat(Views.redactUrl("https://example.com")).isEqualTo("https://example.com");
        assertThat(Views.redactUrl("https://example.com/")).isEqualTo("https://example.com");
    }

    @Test
    void whatIsNoUrlWithAHost_isRedactedWhole() {
        assertThat(Views.redactUrl("not a url with spaces/secret")).isEqualTo("…redacted");
        assertThat(Views.redactUrl("mailto:someone@example.com")).isEqualTo("…redacted");
        assertThat(Views.redactUrl("/relative/secret")).isEqualTo("…redacted");
    }
}
