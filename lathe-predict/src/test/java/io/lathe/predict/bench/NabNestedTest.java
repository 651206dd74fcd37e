package io.lathe.predict.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The nested harness replays the detector rather than a copy that could drift from it: its median design is the default
 * detector, and with the threshold only chosen per fold it gives {@code Validate nab}'s figure. Skips without the data.
 */
class NabNestedTest {
    @Test
    void medianDesignIsTheDefaultDetector() throws Exception {
        Optional<Path> data = SharedData.locate();
        Assumptions.assumeTrue(data.isPresent(), "shared benchmark data not found");
        NabNested.Summary s = NabNested.run(data.get(), false);
        assertThat(s.defaultDifference()).isZero();
        NabScorer.Result validate = Validate.nab(data.get(), false);
        assertThat(s.medianHeldOut().raw()).isEqualTo(validate.raw());
    }
}
