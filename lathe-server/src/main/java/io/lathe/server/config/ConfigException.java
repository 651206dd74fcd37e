package io.lathe.server.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a configuration, reported together so a user fixes them in one go. */
public final class ConfigException extends Exception {
    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in the configuration:\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
