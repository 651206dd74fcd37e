package io.lathe.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveStateTest {
    private final Signal temp = new Signal("m.temp", "Temp", "m", DataType.DOUBLE, "degC", "", "");

    @Test
    void historicalAndLateValuesDoNotReplaceTheCurrentValue() {
        LiveState live = new LiveState();
        live.accept(temp, 2_000, Value.of(20.0), Quality.GOOD, false);
        live.accept(temp, 3_000, Value.of(99.0), Quality.GOOD, true);
        live.accept(temp, 1_000, Value.of(10.0), Quality.GOOD, false);
        assertThat(live.latest("m.temp").value()).isEqualTo(Value.of(20.0));
    }

    @Test
    void staleKeepsTheValueAndTellsListenersOnce() {
        LiveState live = new LiveState();
        List<Latest> seen = new ArrayList<>();
        live.subscribe(seen::add);
        live.accept(temp, 1_000, Value.of(20.0), Quality.GOOD, false);
        live.markStale(temp, 2_000);
        live.markStale(temp, 3_000);
        assertThat(live.latest("m.temp")).isEqualTo(new Latest("m.temp", 2_000, Value.of(20.0), Quality.STALE));
        assertThat(seen).hasSize(2);
    }
}
