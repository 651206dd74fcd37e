package io.lathe.server.config;

import java.util.List;

/** The plant as declared in the YAML file, before it becomes a live {@link io.lathe.model.PlantModel}. */
public record PlantSpec(String enterprise, List<Site> sites) {

    public record Site(String name, String description, List<Area> areas) {}

    public record Area(String name, String description, List<Line> lines) {}

    public record Line(String name, String description, List<Machine> machines) {}

    /** @param source where the machine's data comes from, e.g. {@code sparkplug:Demo/Line-A/Saw}; empty when none */
    public record Machine(String name, String description, String source, List<SignalSpec> signals) {}

    public record SignalSpec(String name, io.lathe.model.DataType type, String unit, String description, String source) {}
}
