package io.lathe.alarm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lathe.model.PlantModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Alarm management as the API and the server see it: the {@link AlarmEngine}, the rules of the configuration file plus
 * those engineers define through the API (kept in {@code <data-dir>/alarms/rules.json}), KPIs and notifications.
 */
public final class AlarmSystem implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final AlarmEngine engine;
    private final PlantModel model;
    private final InstantSource clock;
    private final Path rulesFile;
    private final List<AlarmRule> configRules;
    private final Map<String, AlarmRule> apiRules = new LinkedHashMap<>();
    private final AlarmKpis.Limits limits;
    private volatile Notifier notifier;

    private AlarmSystem(AlarmEngine engine, PlantModel model, InstantSource clock, Path rulesFile, List<AlarmRule> configRules, AlarmKpis.Limits limits) {
        this.engine = engine;
        this.model = model;
        this.clock = clock;
        this.rulesFile = rulesFile;
        this.configRules = List.copyOf(configRules);
        this.limits = limits;
    }

    /** A problem with a rule of the API's rules file or request: the field and what is wrong. */
    public record FieldProblem(String field, String message) {}

    /** Thrown for an invalid rule definition, with every problem. */
    public static final class InvalidRule extends RuntimeException {
        private final List<FieldProblem> problems;

        public InvalidRule(List<FieldProblem> problems) {
            super("invalid alarm rule: " + problems);
            this.problems = List.copyOf(problems);
        }

        public List<FieldProblem> problems() {
            return problems;
        }
    }

    /**
     * Opens the engine in {@code dir} (journal and API rules) with the configuration's rules.
     *
     * @param limits the KPI thresholds; null for {@link AlarmKpis.Limits#DEFAULTS}
     */
    public static AlarmSystem open(AlarmSettings settings, PlantModel model, Path dir, InstantSource clock, PlannedStops planned,
                                   io.micrometer.core.instrument.MeterRegistry metrics, List<AlarmRule> configRules,
                                   AlarmKpis.Limits limits) throws IOException {
        AlarmEngine engine = AlarmEngine.open(settings, model, dir, clock, planned, metrics);
        AlarmSystem s = new AlarmSystem(engine, model, clock, dir.resolve("rules.json"), configRules, limits == null ? AlarmKpis.Limits.DEFAULTS : limits);
        try {
            s.loadApiRules();
            s.apply();
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw e;
        }
        return s;
    }

    public AlarmEngine engine() {
        return engine;
    }

    public PlantModel model() {
        return model;
    }

    /** Sends notifications of this system's transitions; call once at start-up. */
    public void notifier(Notifier n) {
        this.notifier = Objects.requireNonNull(n, "notifier");
        engine.addListener(n::onTransition);
    }

    /** The notifier, or null when no channel is configured. */
    public Notifier notifier() {
        return notifier;
    }

    private void loadApiRules() throws IOException {
        if (!Files.exists(rulesFile)) return;
        List<Map<String, Object>> list = JSON.readValue(rulesFile.toFile(), new TypeReference<>() {});
        for (Map<String, Object> m : list) {
            Map<String, Object> f = new LinkedHashMap<>(m);
            f.remove("source");
            String machine = String.valueOf(f.get("machine"));
            List<FieldProblem> problems = new ArrayList<>();
            AlarmRule r = RuleCodec.fromMap(f, machine, model, "api", (k, msg) -> problems.add(new FieldProblem(k, msg)));
            if (r == null) {
                throw new IOException("alarm rule in " + rulesFile + " no longer fits the plant [id=" + m.get("id") + "]: " + problems
                        + ". Fix or remove it in that file (or the plant configuration) and start again.");
            }
            apiRules.put(r.id(), r);
        }
    }

    private synchronized void apply() {
        List<AlarmRule> all = new ArrayList<>(configRules);
        for (AlarmRule r : apiRules.values()) all.add(r);
        engine.setRules(all);
    }

    private void saveApiRules() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AlarmRule r : apiRules.values()) out.add(RuleCodec.toMap(r));
        Path tmp = rulesFile.resolveSibling(rulesFile.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(out));
        Files.move(tmp, rulesFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Defines a rule through the API. {@code fields} as in {@link RuleCodec}, with {@code machine} (an asset id).
     *
     * @param replaceId null to create; else the id of an API rule to replace (its id may change with its name)
     */
    public synchronized AlarmRule define(Map<String, Object> fields, String replaceId) throws IOException {
        Object machine = fields.get("machine");
        List<FieldProblem> problems = new ArrayList<>();
        if (!(machine instanceof String m) || !model.contains(m)) {
            problems.add(new FieldProblem("machine", "must be the asset id of a machine, but was " + (machine == null ? "missing" : "'" + machine + "'")));
            throw new InvalidRule(problems);
        }
        Map<String, Object> f = new LinkedHashMap<>(fields);
        f.remove("id");
        AlarmRule r = RuleCodec.fromMap(f, (String) machine, model, "api", (k, msg) -> problems.add(new FieldProblem(k, msg)));
        if (r == null) throw new InvalidRule(problems);
        if (replaceId != null) {
            if (!apiRules.containsKey(replaceId)) throw notEditable(replaceId);
        }
        AlarmRule existing = engine.rule(r.id());
        if (existing != null && !r.id().equals(replaceId)) {
            throw new InvalidRule(List.of(new FieldProblem("name", "an alarm with this name exists on this machine [id=" + r.id() + "]")));
        }
        if (replaceId != null) apiRules.remove(replaceId);
        apiRules.put(r.id(), r);
        saveApiRules();
        apply();
        return r;
    }

    public synchronized void delete(String id) throws IOException {
        if (!apiRules.containsKey(id)) throw notEditable(id);
        apiRules.remove(id);
        saveApiRules();
        apply();
    }

    private AlarmException notEditable(String id) {
        if (engine.rule(id) != null) {
            return new AlarmException(AlarmException.Code.INVALID_STATE, "the alarm is defined in the configuration file [id=" + id
                    + "]: change it there (alarms: section) and restart");
        }
        return new AlarmException(AlarmException.Code.NOT_FOUND, "no alarm rule [id=" + id + "]");
    }

    /** KPIs of the alarms under {@code asset} (any level; null for all) over {@code [from, to)}. */
    public Map<String, Object> kpis(Predicate<String> assetFilter, long from, long to) {
        List<Alarm> alarms = new ArrayList<>();
        for (Alarm a : engine.alarms()) if (assetFilter.test(a.asset())) alarms.add(a);
        List<Transition> ts = engine.transitions(t -> assetFilter.test(t.asset()) && t.atMicros() < to);
        return AlarmKpis.compute(ts, alarms, from, to, clock.millis() * 1000, limits);
    }

    @Override
    public void close() throws IOException {
        Notifier n = notifier;
        if (n != null) n.close();
        engine.close();
    }
}
