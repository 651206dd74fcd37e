package io.lathe.alarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpressionTest {
    private static final Map<String, String> SIGNALS = Map.of("temperature", "m.temperature", "speed", "m.spindle-speed",
            "spindle-speed", "m.spindle-speed", "spindle_speed", "m.spindle-speed");

    private static double eval(String text, double... v) {
        return Expression.parse(text, SIGNALS::get).evaluate(v);
    }

    @Test
    void arithmeticPrecedenceAndComparisons() {
        assertThat(eval("temperature + 2 * 3 > 10", 5)).isEqualTo(1);
        assertThat(eval("(temperature + 2) * 3 >= 21", 5)).isEqualTo(1);
        assertThat(eval("-temperature < -4.5", 5)).isEqualTo(1);
        assertThat(eval("temperature / 2 == 2.5", 5)).isEqualTo(1);
        assertThat(eval("temperature != 5", 5)).isEqualTo(0);
        assertThat(eval("temperature <= 4", 5)).isEqualTo(0);
    }

    @Test
    void booleansAndSignalsInOrder() {
        Expression e = Expression.parse("temperature > 60 and not (spindle_speed > 100) || 'spindle-speed' == 0", SIGNALS::get);
        assertThat(e.signals()).containsExactly("m.temperature", "m.spindle-speed");
        assertThat(e.evaluate(new double[] {70, 50})).isEqualTo(1);
        assertThat(e.evaluate(new double[] {70, 150})).isEqualTo(0);
        assertThat(e.evaluate(new double[] {20, 0})).isEqualTo(1);
        assertThat(e.evaluate(new double[] {Double.NaN, 0})).isNaN();
    }

    @Test
    void divisionByZeroIsNoValue() {
        assertThat(eval("1 / (temperature - 5) > 0", 5)).isNaN();
    }

    @Test
    void errorsNameThePosition() {
        assertThatThrownBy(() -> eval("temperature >", 1)).hasMessageContaining("position 14");
        assertThatThrownBy(() -> eval("pressure > 3", 1)).hasMessageContaining("no signal 'pressure'");
        assertThatThrownBy(() -> eval("temperature > 3)", 1)).hasMessageContaining("expected an operator or the end");
        assertThatThrownBy(() -> eval("Runtime.exec(1)", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> eval("3 > 1", 1)).hasMessageContaining("names no signal");
    }
}
