package io.lathe.server.config;

/**
 * One mistake in a configuration: where (file, line, key) and what.
 *
 * @param line 1-based line in the file, or 0 when the problem has no line (an environment variable, a missing key)
 */
public record ConfigProblem(String file, int line, String key, String message) {
    @Override
    public String toString() {
        return (line > 0 ? file + ":" + line : file) + ": " + key + ": " + message;
    }
}
