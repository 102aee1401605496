package io.tekton.penia.engine.model;

import io.tekton.penia.engine.error.PeniaException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScopeAndMoneyTest {
    @Test
    void globalScope_matchesEverything() {
        assertThat(Scope.GLOBAL.matches("a", "openai", "gpt-4o", "default")).isTrue();
    }

    @Test
    void providerScope_matchesOnlyThatProvider_anyComponentAndModel() {
        Scope s = new Scope(null, "openai", null);
        assertThat(s.matches("x", "openai", "gpt-4o", "default")).isTrue();
        assertThat(s.matches("x", "anthropic", "claude", "default")).isFalse();
        assertThat(s.matches("x", null, null, "default")).isFalse();
    }

    @Test
    void fullScope_needsAllThree_andBlankMeansAny() {
        Scope s = new Scope("c1", "openai", "gpt-4o");
        assertThat(s.matches("c1", "openai", "gpt-4o", "default")).isTrue();
        assertThat(s.matches("c2", "openai", "gpt-4o", "default")).isFalse();
        assertThat(s.matches("c1", "openai", "gpt-4o-mini", "default")).isFalse();
        assertThat(new Scope(" ", "", null)).isEqualTo(Scope.GLOBAL);
    }

    @Test
    void taskTypeScope_matchesOnlyThatTaskType_canonical() {
        Scope s = new Scope("c1", null, null, " Code ");
        assertThat(s.taskType()).isEqualTo("code");
        assertThat(s.matches("c1", "openai", "gpt-4o", "code")).isTrue();
        assertThat(s.matches("c1", "openai", "gpt-4o", "default")).isFalse();
        assertThat(new Scope("c1", null, null).matches("c1", "openai", "gpt-4o", "chat")).isTrue();
        assertThat(new Scope(null, null, null, " ")).isEqualTo(Scope.GLOBAL);
    }

    @Test
    void money_fromUsd_isExact_andSumsDoNotDrift() {
        Money cent = Money.ofUsd("0.01");
        Money sum = Money.ZERO;
        for (int i = 0; i < 1_000_000; i++) {
            sum = sum.plus(cent);
        }
        assertThat(sum).isEqualTo(Money.ofUsd("10000"));
        assertThat(Money.ofUsd("0.1").plus(Money.ofUsd("0.2"))).isEqualTo(Money.ofUsd("0.3"));
    }

    @Test
    void money_roundsHalfUpToTheMicroDollar() {
        assertThat(Money.ofUsd("0.0000005").micros()).isEqualTo(1);
        assertThat(Money.ofUsd("0.0000004999").micros()).isZero();
        assertThat(Money.ofUsd("12.5").usd()).isEqualByComparingTo(new BigDecimal("12.5"));
    }

    @Test
    void money_aboveOneTrillion_isRejected() {
        assertThatThrownBy(() -> Money.ofUsd("1000000000001")).isInstanceOf(PeniaException.class);
    }

    @Test
    void money_extremeExponents_areBoundedWithoutArithmetic() {
        assertThatThrownBy(() -> Money.ofUsd(new BigDecimal("1e999999999"))).isInstanceOf(PeniaException.class);
        assertThat(Money.ofUsd(new BigDecimal("1e-999999999"))).isEqualTo(Money.ZERO);
    }
}
