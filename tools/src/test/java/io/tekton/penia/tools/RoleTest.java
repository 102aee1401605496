package io.tekton.penia.tools;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RoleTest {
    @Test
    void roles_parseFromTheirWireNames_only() {
        assertThat(Role.parse("admin")).contains(Role.ADMIN);
        assertThat(Role.parse("component")).contains(Role.COMPONENT);
        assertThat(Role.parse("viewer")).contains(Role.VIEWER);
        assertThat(Role.parse("ADMIN")).isEmpty();
        assertThat(Role.parse(null)).isEmpty();
        // Sentences such as "a viewer key may not …" read the wire name.
        assertThat("a " + Role.VIEWER + " key").isEqualTo("a viewer key");
    }

    @Test
    void caller_permissionsFollowTheRole() {
        assertThat(Caller.LOCAL_ADMIN.isAdmin()).isTrue();
        assertThat(new Caller("k", Role.VIEWER, null).canWrite()).isFalse();
        assertThat(new Caller("k", Role.COMPONENT, "c").canWrite()).isTrue();
    }
}
