package io.lathe.server.config;

/** The validated configuration: settings, the declared plant, and the file it came from (for messages). */
public record LatheConfig(Settings settings, PlantSpec plant, String file) {
    public LatheConfig withSettings(Settings s) {
        return new LatheConfig(s, plant, file);
    }
}
