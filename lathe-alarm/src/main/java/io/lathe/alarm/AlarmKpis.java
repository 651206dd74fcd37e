package io.lathe.alarm;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alarm system performance after EEMUA 191 and ISA-18.2 section 16, computed from journaled transitions.
 *
 * <p>Definitions (all over {@code [from, to)}, 10-minute intervals aligned to the clock, UTC):
 * <ul>
 *   <li>annunciated alarm: a transition into {@code unack} from a non-active state (an activation the operator saw;
 *       activations while shelved, out of service or suppressed do not count)</li>
 *   <li>rate: annunciations per 10 min and per hour, averaged over the period; the peak 10-minute count</li>
 *   <li>intervals over the limit: share of 10-minute intervals with more than {@code maxPer10Min} annunciations (ISA-18.2
 *       calls 1-2 per 10 min "maximum manageable"; default 2)</li>
 *   <li>flood: starts with a 10-minute interval of more than {@code floodStart} (10) annunciations and lasts until an
 *       interval with fewer than {@code floodEnd} (5), which ends it at its start; its peak is its busiest interval</li>
 *   <li>bad actors: the 10 alarms with most annunciations, with their share of all</li>
 *   <li>chattering: an alarm annunciated {@code chatterCount} (3) or more times within {@code chatterWindow} (60 s)</li>
 *   <li>fleeting: an activation that cleared within {@code fleetingMicros} (1 s)</li>
 *   <li>stale: an alarm active now for more than {@code staleMicros} (24 h)</li>
 * </ul>
 */
public final class AlarmKpis {
    public static final long TEN_MINUTES = 600_000_000L;

    /** The thresholds of the definitions above. */
    public record Limits(int maxPer10Min, int floodStart, int floodEnd, int chatterCount, long chatterWindowMicros, long fleetingMicros, long staleMicros) {
        public static final Limits DEFAULTS = new Limits(2, 10, 5, 3, 60_000_000L, 1_000_000L, 24 * 3_600_000_000L);
    }

    private AlarmKpis() {}

    /**
     * @param transitions every transition of the alarms in scope (any order), including those before {@code from} that
     *                    started an activation still open
     * @param alarms      the alarms in scope now (for stale, shelved, out-of-service and priority)
     * @return a JSON-ready map
     */
    public static Map<String, Object> compute(List<Transition> transitions, List<Alarm> alarms, long from, long to, long now, Limits limits) {
        if (to <= from) throw new IllegalArgumentException("to must be after from");
        Map<String, Priority> priority = new HashMap<>();
        for (Alarm a : alarms) priority.put(a.id(), a.priority());
        List<Transition> sorted = new ArrayList<>(transitions);
        sorted.sort(Comparator.comparingLong(Transition::atMicros).thenComparingLong(Transition::seq));

        long first = Math.floorDiv(from, TEN_MINUTES) * TEN_MINUTES;
        int intervals = (int) Math.max(1, Math.min(1_000_000, (to - first + TEN_MINUTES - 1) / TEN_MINUTES));
        int[] counts = new int[intervals];
        Map<String, Integer> byAlarm = new HashMap<>();
        Map<String, ArrayDeque<Long>> recent = new HashMap<>();
        Map<String, Integer> chatterMax = new TreeMap<>();
        Map<Priority, Integer> byPriority = new EnumMap<>(Priority.class);
        for (Priority p : Priority.values()) byPriority.put(p, 0);
        Map<String, Long> activeAt = new HashMap<>();
        Map<String, Integer> fleeting = new TreeMap<>();
        int total = 0;
        for (Transition t : sorted) {
            long at = t.atMicros();
            if (t.event().equals("activate")) activeAt.put(t.alarm(), at);
            if (t.event().equals("clear")) {
                Long since = activeAt.remove(t.alarm());
                if (since != null && at >= from && at < to && at - since < limits.fleetingMicros()) fleeting.merge(t.alarm(), 1, Integer::sum);
            }
            if (!t.annunciated() || at < from || at >= to) continue;
            total++;
            counts[(int) ((at - first) / TEN_MINUTES)]++;
            byAlarm.merge(t.alarm(), 1, Integer::sum);
            Priority p = priority.get(t.alarm());
            if (p != null) byPriority.merge(p, 1, Integer::sum);
            ArrayDeque<Long> q = recent.computeIfAbsent(t.alarm(), k -> new ArrayDeque<>());
            q.addLast(at);
            while (at - q.peekFirst() > limits.chatterWindowMicros()) q.removeFirst();
            if (q.size() >= limits.chatterCount()) chatterMax.merge(t.alarm(), q.size(), Math::max);
        }

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", iso(from));
        out.put("to", iso(to));
        out.put("annunciated", total);
        double hours = (to - from) / 3_600_000_000.0;
        out.put("averagePer10Min", round(total / (hours * 6)));
        out.put("averagePerHour", round(total / hours));
        int peak = 0, over = 0;
        for (int c : counts) {
            peak = Math.max(peak, c);
            if (c > limits.maxPer10Min()) over++;
        }
        out.put("peakPer10Min", peak);
        out.put("maxManageablePer10Min", limits.maxPer10Min());
        out.put("intervals", intervals);
        out.put("intervalsOverLimit", over);
        out.put("percentIntervalsOverLimit", round(100.0 * over / intervals));

        List<Map<String, Object>> floods = new ArrayList<>();
        long floodMicros = 0;
        int i = 0;
        while (i < intervals) {
            if (counts[i] <= limits.floodStart()) {
                i++;
                continue;
            }
            int start = i, fpeak = 0, n = 0;
            while (i < intervals && (i == start || counts[i] >= limits.floodEnd())) {
                fpeak = Math.max(fpeak, counts[i]);
                n += counts[i];
                i++;
            }
            long s = first + start * TEN_MINUTES, e = Math.min(first + i * TEN_MINUTES, to);
            floodMicros += e - Math.max(s, from);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("start", iso(s));
            f.put("end", iso(e));
            f.put("durationSeconds", (e - s) / 1_000_000);
            f.put("peakPer10Min", fpeak);
            f.put("alarms", n);
            f.put("ongoing", i >= intervals && e >= now);
            floods.add(f);
        }
        out.put("floods", floods);
        out.put("percentTimeInFlood", round(100.0 * floodMicros / (to - from)));

        List<Map.Entry<String, Integer>> ranked = new ArrayList<>(byAlarm.entrySet());
        ranked.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        List<Map<String, Object>> bad = new ArrayList<>();
        int topSum = 0;
        for (int k = 0; k < Math.min(10, ranked.size()); k++) {
            Map.Entry<String, Integer> e = ranked.get(k);
            topSum += e.getValue();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("alarm", e.getKey());
            m.put("count", e.getValue());
            m.put("percent", round(100.0 * e.getValue() / total));
            bad.add(m);
        }
        out.put("badActors", bad);
        out.put("badActorsPercent", total == 0 ? 0.0 : round(100.0 * topSum / total));

        List<Map<String, Object>> chat = new ArrayList<>();
        chatterMax.forEach((k, v) -> chat.add(pair("alarm", k, "maxIn60s", v)));
        out.put("chattering", chat);
        List<Map<String, Object>> fl = new ArrayList<>();
        fleeting.forEach((k, v) -> fl.add(pair("alarm", k, "count", v)));
        out.put("fleeting", fl);

        List<String> stale = new ArrayList<>();
        int shelved = 0, oos = 0, suppressed = 0, active = 0;
        for (Alarm a : alarms) {
            if (a.active() && a.activeSinceMicros() != Long.MIN_VALUE && now - a.activeSinceMicros() > limits.staleMicros()) stale.add(a.id());
            if (a.shelved()) shelved++;
            if (a.outOfService()) oos++;
            if (a.suppressed()) suppressed++;
            if (a.active()) active++;
        }
        out.put("stale", stale);
        Map<String, Object> dist = new LinkedHashMap<>();
        for (Priority p : Priority.values()) {
            dist.put(p.id(), pair("count", byPriority.get(p), "percent", total == 0 ? 0.0 : round(100.0 * byPriority.get(p) / total)));
        }
        out.put("priorityDistribution", dist);
        out.put("active", active);
        out.put("shelved", shelved);
        out.put("outOfService", oos);
        out.put("suppressed", suppressed);
        return out;
    }

    private static Map<String, Object> pair(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static String iso(long micros) {
        return java.time.Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000).toString();
    }
}
