package io.lathe.server.config;

/** Renders the configuration reference (a Markdown table) from {@link Keys}; README.md embeds it between markers. */
public final class ConfigReference {
    public static final String START = "<!-- config-reference:start -->";
    public static final String END = "<!-- config-reference:end -->";

    private ConfigReference() {}

    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| key | type | default | environment variable | meaning |\n");
        b.append("|---|---|---|---|---|\n");
        for (ConfigKey k : Keys.ALL) {
            b.append("| `").append(k.name()).append("` | ").append(k.type().label()).append(" | ")
                    .append(k.defaultValue() == null || k.defaultValue().isEmpty() ? "" : "`" + k.defaultValue() + "`").append(" | `")
                    .append(k.envVar()).append("` | ").append(k.doc().replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    /** Prints the table, for {@code lathe config-reference}. */
    public static void main(String[] args) {
        System.out.print(markdown());
    }
}
