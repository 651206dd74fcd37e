package io.lathe.predict.bench;

import java.nio.file.Path;

/**
 * A benchmark file that cannot be read: names the file, the 1-based line and what is wrong, for example
 * {@code bad SKAB line [file=valve1/3.csv, line=17]: column 4 (Pressure) is not a number: 'abc'}.
 */
public final class BenchFormatException extends RuntimeException {
    private final Path file;
    private final long line;

    public BenchFormatException(Path file, long line, String message) {
        super(message + " [file=" + file + (line > 0 ? ", line=" + line : "") + "]");
        this.file = file;
        this.line = line;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** 1-based line number, 0 when the problem concerns the whole file. */
    public long line() {
        return line;
    }
}
