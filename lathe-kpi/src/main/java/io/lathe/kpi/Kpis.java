package io.lathe.kpi;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * ISO 22400-2 time elements and quantities of one asset over [fromMicros, toMicros), with the KPIs derived from them.
 * Every field is additive: a line, area or site is the sum of its machines' elements (see {@link #sum}), and the KPIs
 * of the sum are formed from the summed elements ("sum of components"), never by averaging machine KPIs. A line's
 * availability is therefore ΣAPT/ΣPBT, its effectiveness Σ(PRI×PQ)/ΣAPT, its quality ratio ΣGQ/ΣPQ and its OEE the
 * product of the three.
 *
 * <p>Time elements count only time inside planned busy time; quantities, energy and {@link #timeInStateMicros} count the
 * whole period. Ratios are {@code NaN} when their denominator is zero.
 *
 * @param machines                   number of machines summed
 * @param calendarTimeMicros         CT: length of the period
 * @param plannedOperationTimeMicros POT: shift time in the period
 * @param plannedDownTimeMicros      PDOT: breaks plus machine {@link MachineState#PLANNED_DOWN} time inside shifts
 * @param plannedBusyTimeMicros      PBT = POT − PDOT
 * @param actualProductionTimeMicros APT: {@link MachineState#RUNNING} inside PBT
 * @param actualUnitSetupTimeMicros  AUST: {@link MachineState#SETUP} inside PBT
 * @param actualUnitDelayTimeMicros  ADET: {@link MachineState#UNPLANNED_DOWN} inside PBT
 * @param actualUnitDownTimeMicros   ADOT: idle, starved and blocked inside PBT
 * @param noDataTimeMicros           {@link MachineState#UNKNOWN} inside PBT
 * @param producedQuantity           PQ
 * @param goodQuantity               GQ
 * @param scrapQuantity              SQ
 * @param inspectedQuantity          IQ (0 when not measured)
 * @param firstPassGoodQuantity      parts good at first inspection
 * @param idealProductionTimeMicros  Σ PRI × PQ: each produced item weighted with the ideal cycle time of the product
 *                                   running when it was counted
 * @param energyKwh                  energy used
 * @param co2eKg                     energy × the site's emission factor
 * @param failureEvents              FE: unplanned stops starting in the period that are not micro-stops
 * @param timeToRepairMicros         Σ TTR: duration inside the period of those stops
 * @param microStops                 unplanned stops starting in the period shorter than the machine's threshold
 * @param microStopLostTimeMicros    their duration inside the period
 * @param timeInStateMicros          time in each state over the whole period (calendar time)
 * @param dataQualityEvents          counter and meter readings in the period that were not counted as they came
 *                                   (see {@link DataQualityEvent}); the figures above exclude what they discarded
 */
public record Kpis(long fromMicros, long toMicros, int machines,
                   long calendarTimeMicros, long plannedOperationTimeMicros, long plannedDownTimeMicros,
                   long plannedBusyTimeMicros, long actualProductionTimeMicros, long actualUnitSetupTimeMicros,
                   long actualUnitDelayTimeMicros, long actualUnitDownTimeMicros, long noDataTimeMicros,
                   double producedQuantity, double goodQuantity, double scrapQuantity, double inspectedQuantity,
                   double firstPassGoodQuantity, double idealProductionTimeMicros, double energyKwh, double co2eKg,
                   int failureEvents, long timeToRepairMicros, int microStops, long microStopLostTimeMicros,
                   Map<MachineState, Long> timeInStateMicros, int dataQualityEvents) {

    public Kpis {
        timeInStateMicros = Map.copyOf(timeInStateMicros);
    }

    /** Without data-quality events. */
    public Kpis(long fromMicros, long toMicros, int machines,
                long calendarTimeMicros, long plannedOperationTimeMicros, long plannedDownTimeMicros,
                long plannedBusyTimeMicros, long actualProductionTimeMicros, long actualUnitSetupTimeMicros,
                long actualUnitDelayTimeMicros, long actualUnitDownTimeMicros, long noDataTimeMicros,
                double producedQuantity, double goodQuantity, double scrapQuantity, double inspectedQuantity,
                double firstPassGoodQuantity, double idealProductionTimeMicros, double energyKwh, double co2eKg,
                int failureEvents, long timeToRepairMicros, int microStops, long microStopLostTimeMicros,
                Map<MachineState, Long> timeInStateMicros) {
        this(fromMicros, toMicros, machines, calendarTimeMicros, plannedOperationTimeMicros, plannedDownTimeMicros,
                plannedBusyTimeMicros, actualProductionTimeMicros, actualUnitSetupTimeMicros, actualUnitDelayTimeMicros,
                actualUnitDownTimeMicros, noDataTimeMicros, producedQuantity, goodQuantity, scrapQuantity, inspectedQuantity,
                firstPassGoodQuantity, idealProductionTimeMicros, energyKwh, co2eKg, failureEvents, timeToRepairMicros,
                microStops, microStopLostTimeMicros, timeInStateMicros, 0);
    }

    private static double div(double a, double b) { return b == 0 ? Double.NaN : a / b; }

    /**
     * Planned busy time in which the machine's state was known: PBT less {@link #noDataTimeMicros}. Time before a
     * machine's first data (a platform started mid-shift, a device not yet connected) can be judged neither as
     * production nor as a stop, so the time-based ratios leave it out rather than count it as lost.
     */
    public long observedBusyTimeMicros() { return Math.max(0, plannedBusyTimeMicros - noDataTimeMicros); }

    /** Availability = APT / PBT, with PBT counted only where the state is known ({@link #observedBusyTimeMicros()}). */
    public double availability() { return div(actualProductionTimeMicros, observedBusyTimeMicros()); }

    /** Effectiveness (performance) = PRI × PQ / APT: ideal production time over actual production time. */
    public double effectiveness() { return div(idealProductionTimeMicros, actualProductionTimeMicros); }

    /** Quality ratio = GQ / PQ. */
    public double qualityRatio() { return div(goodQuantity, producedQuantity); }

    /** OEE index = availability × effectiveness × quality ratio. */
    public double oee() { return availability() * effectiveness() * qualityRatio(); }

    /** Utilization efficiency = APT / AUBT, where actual unit busy time AUBT = APT + AUST + ADET. */
    public double utilizationEfficiency() {
        return div(actualProductionTimeMicros, actualProductionTimeMicros + actualUnitSetupTimeMicros + actualUnitDelayTimeMicros);
    }

    /** Actual unit processing time AUPT = APT + AUST (production and setup). */
    public long actualUnitProcessingTimeMicros() { return actualProductionTimeMicros + actualUnitSetupTimeMicros; }

    /**
     * NEE index (net equipment effectiveness) = AUPT / PBT × effectiveness × quality ratio (ISO 22400-2): like OEE,
     * but setup counts as no loss. PBT as for {@link #availability()}.
     */
    public double nee() { return div(actualUnitProcessingTimeMicros(), observedBusyTimeMicros()) * effectiveness() * qualityRatio(); }

    /**
     * TEEP (total effective equipment performance) = OEE × PBT / CT = APT/CT × effectiveness × quality ratio: OEE
     * against all calendar time. TEEP is not an ISO 22400-2 KPI; this is the usual definition.
     */
    public double teep() { return div(actualProductionTimeMicros, calendarTimeMicros) * effectiveness() * qualityRatio(); }

    /**
     * Throughput rate = PQ / AOET in items per hour. Without orders, the actual order execution time AOET is taken as
     * PBT.
     */
    public double throughputRatePerHour() { return div(producedQuantity, observedBusyTimeMicros() / 3.6e9); }

    /** Scrap ratio = SQ / PQ. */
    public double scrapRatio() { return div(scrapQuantity, producedQuantity); }

    /** First pass yield = parts good at first inspection / IQ; NaN without inspected counts. */
    public double firstPassYield() { return div(firstPassGoodQuantity, inspectedQuantity); }

    /** Technical efficiency = APT / (APT + ADET). */
    public double technicalEfficiency() { return div(actualProductionTimeMicros, actualProductionTimeMicros + actualUnitDelayTimeMicros); }

    /** Setup rate = AUST / AUPT (ISO 22400-2): the share of setup in processing time. */
    public double setupRate() { return div(actualUnitSetupTimeMicros, actualUnitProcessingTimeMicros()); }

    /** MTTR = Σ TTR / FE, in seconds. */
    public double mttrSeconds() { return div(timeToRepairMicros / 1e6, failureEvents); }

    /**
     * MTTF = operating time / FE, in seconds. ISO 22400-2 counts time to failure as operating time (production and
     * setup, AUPT) from a restoration to the next failure, and states that for repairable items MTTF equals MTBF.
     */
    public double mttfSeconds() { return mtbfSeconds(); }

    /**
     * MTBF = mean operating time between failures = AUPT / FE, in seconds (ISO 22400-2: time between failures
     * "includes setup time and production time ... but no delay times"). Repair time is not added: with operating
     * time as the basis, MTBF = MTTF + MTTR does not hold (ISO/TR 12489).
     */
    public double mtbfSeconds() { return div(actualUnitProcessingTimeMicros() / 1e6, failureEvents); }

    /** Energy per unit = kWh / PQ. */
    public double energyPerUnitKwh() { return div(energyKwh, producedQuantity); }

    /** CO2e per unit = kg CO2e / PQ. */
    public double co2ePerUnitKg() { return div(co2eKg, producedQuantity); }

    /**
     * Figures that are implausible, each with its likely cause, in this order: effectiveness (performance) above 100 %
     * (code {@code effectiveness_above_100}: the ideal cycle time is likely set longer than the real one), a quality
     * ratio outside [0, 1] ({@code quality_ratio_out_of_range}) and readings that were not counted as they came
     * ({@code data_quality_events}). Empty when nothing is wrong.
     */
    public List<KpiWarning> warnings() {
        List<KpiWarning> out = new ArrayList<>(0);
        double e = effectiveness();
        // the tolerance absorbs rounding of the sums only: any real excess over 100 % is shown
        if (e > 1 + 1e-9) {
            out.add(new KpiWarning("effectiveness_above_100", "Performance (effectiveness) is " + percent(e)
                    + ": more was counted than the ideal cycle time allows in the running time. Likely cause: the ideal cycle time"
                    + " is set longer than the machine's real one; check ideal-cycle-time, ideal-cycle-time-by-product or the ideal"
                    + " cycle time signal (or counts that arrive while the state says the machine is not running)."));
        }
        double q = qualityRatio();
        if (q > 1 + 1e-9 || q < 0) {
            out.add(new KpiWarning("quality_ratio_out_of_range", "Quality ratio is " + percent(q)
                    + ": the good count does not fit the produced count. Likely cause: good, reject and produced counters that do"
                    + " not count the same parts, or that reset at different times; check the counts configuration."));
        }
        if (dataQualityEvents > 0) {
            out.add(new KpiWarning("data_quality_events", dataQualityEvents + (dataQualityEvents == 1 ? " counter or meter reading" : " counter or meter readings")
                    + " in this period were not counted as they came (a reset, a decrease or a jump beyond what the machine can make)."
                    + " See GET /api/data-quality for each one."));
        }
        return out;
    }

    private static String percent(double ratio) {
        return String.format(java.util.Locale.ROOT, "%.1f %%", ratio * 100);
    }

    /** Sums elements of several assets or periods; from/to span them all. */
    public static Kpis sum(List<Kpis> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("Kpis.sum needs at least one part: got none.");
        long from = Long.MAX_VALUE, to = Long.MIN_VALUE, ct = 0, pot = 0, pdot = 0, pbt = 0, apt = 0, aust = 0, adet = 0, adot = 0, nd = 0, ttr = 0, msl = 0;
        int m = 0, fe = 0, ms = 0, dq = 0;
        double pq = 0, gq = 0, sq = 0, iq = 0, fpg = 0, ideal = 0, e = 0, c = 0;
        Map<MachineState, Long> tis = new EnumMap<>(MachineState.class);
        for (Kpis k : parts) {
            from = Math.min(from, k.fromMicros); to = Math.max(to, k.toMicros); m += k.machines;
            ct += k.calendarTimeMicros; pot += k.plannedOperationTimeMicros; pdot += k.plannedDownTimeMicros;
            pbt += k.plannedBusyTimeMicros; apt += k.actualProductionTimeMicros; aust += k.actualUnitSetupTimeMicros;
            adet += k.actualUnitDelayTimeMicros; adot += k.actualUnitDownTimeMicros; nd += k.noDataTimeMicros;
            pq += k.producedQuantity; gq += k.goodQuantity; sq += k.scrapQuantity; iq += k.inspectedQuantity;
            fpg += k.firstPassGoodQuantity; ideal += k.idealProductionTimeMicros; e += k.energyKwh; c += k.co2eKg;
            fe += k.failureEvents; ttr += k.timeToRepairMicros; ms += k.microStops; msl += k.microStopLostTimeMicros;
            k.timeInStateMicros.forEach((s, v) -> tis.merge(s, v, Long::sum));
            dq += k.dataQualityEvents;
        }
        return new Kpis(from, to, m, ct, pot, pdot, pbt, apt, aust, adet, adot, nd, pq, gq, sq, iq, fpg, ideal, e, c, fe, ttr, ms, msl, tis, dq);
    }
}
