package io.lathe.server.jar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What the shaded {@code target/lathe.jar} holds (issue 14): none of the embedded broker's file-persistence libraries,
 * whose natives were most of the jar, nor the other parts trimmed since. Runs after {@code package} (lathe-server's
 * {@code jar-tests} execution, phase integration-test), so it always reads the jar of this build; LatheJarBrokerIT and
 * LatheJarDemoIT run the same jar.
 */
class LatheJarIT {
    /** The target, 50 MB counted in bytes (135 MB before issue 14); see docs/PERFORMANCE.md, "Jar size". */
    static final long MAX_JAR_BYTES = 50_000_000L;
    /** Platforms whose JNA native library stays (HiveMQ asks OSHI, hence JNA, for the processor count at start). */
    static final List<String> JNA_PLATFORMS = List.of("linux-x86-64", "linux-aarch64", "linux-arm", "darwin-x86-64",
            "darwin-aarch64", "win32-x86-64");

    static Path jar() {
        Path jar = Path.of(System.getProperty("lathe.jar", "target/lathe.jar"));
        assertThat(jar).as("the shaded jar; this test runs after package").exists();
        return jar;
    }

    @Test
    void holdsNoRocksDbNativesNoXodusNoEclipseCollectionsAndStaysSmall() throws Exception {
        Path jar = jar();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<String> names = zip.stream().map(ZipEntry::getName).toList();
            assertThat(names).as("RocksDB natives").noneMatch(n -> n.contains("librocksdbjni"));
            // HiveMQ's configuration constants name this one enum; every other RocksDB class serves file persistence.
            assertThat(names).filteredOn(n -> n.startsWith("org/rocksdb/") && n.endsWith(".class"))
                    .containsExactly("org/rocksdb/CompressionType.class");
            assertThat(names).as("Xodus").noneMatch(n -> n.startsWith("jetbrains/exodus/"));
            assertThat(names).as("Kotlin logging (Xodus' logger)").noneMatch(n -> n.startsWith("mu/"));
            assertThat(names).as("the protobuf exposition of Prometheus metrics").noneMatch(n -> n.startsWith("io/prometheus/metrics/shaded/"));
            // HiveMQ uses Eclipse Collections for file persistence only.
            assertThat(names).as("Eclipse Collections").noneMatch(n -> n.startsWith("org/eclipse/collections/"));
            assertThat(names).as("Bouncy Castle's Java 9 copies of its classes")
                    .noneMatch(n -> n.startsWith("META-INF/versions/9/org/bouncycastle/"));
            assertThat(names).as("Bouncy Castle's post-quantum engines")
                    .noneMatch(n -> n.startsWith("org/bouncycastle/pqc/crypto/") || n.startsWith("org/bouncycastle/pqc/legacy/"));
            assertThat(names).as("Milo's copy of Guava (relocated onto the jar's Guava)")
                    .noneMatch(n -> n.startsWith("org/eclipse/milo/shaded/com/google/"));
            assertThat(names).as("Paho, Tahu's MQTT client").noneMatch(n -> n.startsWith("org/eclipse/paho/"));
            assertThat(names).as("Jetty's web-app deployment").noneMatch(n -> n.startsWith("org/eclipse/jetty/ee10/webapp/")
                    || n.startsWith("org/eclipse/jetty/ee10/annotations/") || n.startsWith("org/eclipse/jetty/plus/"));
            assertThat(names).filteredOn(n -> n.matches("com/sun/jna/[^/]+/[^/]*jnidispatch.*"))
                    .as("JNA natives").allMatch(n -> JNA_PLATFORMS.contains(n.split("/")[3])).hasSize(JNA_PLATFORMS.size());
            assertThat(names).as("lz4-java's natives (its Java implementation compresses TsFile exports)")
                    .noneMatch(n -> n.startsWith("net/jpountz/util/") && (n.endsWith(".so") || n.endsWith(".dylib") || n.endsWith(".dll")));
            assertThat(names).as("the libraries' build descriptors").noneMatch(n -> n.startsWith("META-INF/maven/") && n.endsWith("/pom.xml"));
            assertThat(names).as("Commons Codec's phonetic rule tables").noneMatch(n -> n.startsWith("org/apache/commons/codec/language/"));
            // Lathe's own entry point and the classes other libraries load by name stay.
            assertThat(names).contains("io/lathe/server/cli/Main.class", "org/slf4j/simple/SimpleServiceProvider.class",
                    "org/bouncycastle/jce/provider/BouncyCastleProvider.class", "simplelogger.properties", "net/jpountz/util/Native.class",
                    // Tahu's DataSet builds its rows with this Commons Compress helper (the rest of Commons Compress is trimmed).
                    "org/apache/commons/compress/utils/Lists.class");
        }
        assertThat(Files.size(jar)).as("size of " + jar + " in bytes").isLessThan(MAX_JAR_BYTES);
    }
}
