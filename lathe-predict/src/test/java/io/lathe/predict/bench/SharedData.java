package io.lathe.predict.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds /work/shared/data-style benchmark data: -Dlathe.data, $LATHE_DATA, ../shared/data from the root or module. */
public final class SharedData {
    private SharedData() {
    }

    public static Optional<Path> locate() {
        return Stream.of(System.getProperty("lathe.data"), System.getenv("LATHE_DATA"), "../shared/data", "../../shared/data", "/work/shared/data")
                .filter(s -> s != null && !s.isBlank())
                .map(Path::of)
                .filter(p -> Files.isRegularFile(p.resolve("README.md")))
                .findFirst();
    }
}
