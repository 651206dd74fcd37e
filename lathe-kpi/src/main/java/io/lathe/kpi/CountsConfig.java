package io.lathe.kpi;

/**
 * Where quantities come from; any may be null. Good quantity is {@code produced - reject} when only a reject counter
 * is given; reject is {@code produced - good} when only a good counter is given; without a produced counter, produced
 * is {@code good + reject} (ideal time then weights good and reject counts).
 *
 * @param produced      produced quantity (PQ)
 * @param good          good quantity (GQ)
 * @param reject        scrap/reject quantity (SQ)
 * @param inspected     inspected quantity (IQ), for first pass yield
 * @param firstPassGood parts that passed inspection the first time, for first pass yield
 */
public record CountsConfig(CounterSignal produced, CounterSignal good, CounterSignal reject,
                           CounterSignal inspected, CounterSignal firstPassGood) {

    public static CountsConfig of(CounterSignal produced, CounterSignal good, CounterSignal reject) {
        return new CountsConfig(produced, good, reject, null, null);
    }
}
