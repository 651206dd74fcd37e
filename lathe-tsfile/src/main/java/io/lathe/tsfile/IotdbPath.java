package io.lathe.tsfile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.tsfile.exception.PathParseException;
import org.apache.tsfile.file.metadata.IDeviceID;
import org.apache.tsfile.read.common.parser.PathNodesGenerator;

/**
 * Where a Lathe series goes in IoTDB's tree model: series {@code a.b.c.signal} becomes measurement {@code signal} of
 * device {@code root.lathe.a.b.c}; a name without a dot becomes a measurement of device {@code root.lathe} itself.
 *
 * <p>Node names are kept in IoTDB's canonical form: a node that is not an identifier ({@code [a-zA-Z0-9_]} and CJK
 * characters) or that reads as a number ({@code 1}, {@code 1e5}) keeps back quotes, with a back quote inside doubled
 * ({@code `1`}, {@code `a-b`}, {@code `x``y`}); others are bare. That is the form IoTDB stores and the form TsFile's own
 * path parser produces, so the device ids in the files equal the ones IoTDB derives from the same path in SQL.
 * Rather than re-implement that rule, every node is written back-quoted and TsFile's parser canonicalises it.
 */
public final class IotdbPath {
    /** Database-level prefix of every exported path; with IoTDB's default database level 1 the database is {@code root.lathe}. */
    public static final String PREFIX = "root.lathe";

    private final String device;
    private final String measurement;
    private final String parsableDevice;
    private final IDeviceID deviceId;

    private IotdbPath(String device, String measurement, String parsableDevice, IDeviceID deviceId) {
        this.device = device;
        this.measurement = measurement;
        this.parsableDevice = parsableDevice;
        this.deviceId = deviceId;
    }

    /** Maps a Lathe series name; every name maps (an empty segment becomes the quoted empty node {@code ``}). */
    public static IotdbPath of(String series) {
        Objects.requireNonNull(series, "series");
        if (series.isEmpty()) throw new IllegalArgumentException("series name must not be empty");
        List<String> segments = split(series);
        StringBuilder quoted = new StringBuilder("root.`lathe`");
        for (int i = 0; i < segments.size() - 1; i++) quoted.append('.').append(quote(segments.get(i)));
        String parsable = quoted.toString();
        String[] nodes;
        try {
            nodes = PathNodesGenerator.splitPathToNodes(parsable + "." + quote(segments.getLast()));
        } catch (PathParseException e) {
            // Back-quoted nodes accept any character, so this would be a TsFile parser change, not bad input.
            throw new IllegalArgumentException("series name cannot be mapped to an IoTDB path [series=" + series + "]: " + e.getMessage(), e);
        }
        String device = String.join(".", Arrays.asList(nodes).subList(0, nodes.length - 1));
        return new IotdbPath(device, nodes[nodes.length - 1], parsable, IDeviceID.Factory.DEFAULT_FACTORY.create(parsable));
    }

    /** Splits on every dot, keeping empty segments (String.split would drop trailing ones). */
    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '.') {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    private static String quote(String node) {
        return "`" + node.replace("`", "``") + "`";
    }

    /** Device path in canonical form, e.g. {@code root.lathe.skab.valve1.`1`}. */
    public String device() { return device; }

    /** Measurement in canonical form, e.g. {@code Current} or {@code `1`}. */
    public String measurement() { return measurement; }

    /** {@code device.measurement}; usable in IoTDB SQL except where a bare node is a keyword such as {@code time}. */
    public String fullPath() { return device + "." + measurement; }

    /** The device as TsFile identifies it in a file. */
    public IDeviceID deviceId() { return deviceId; }

    /** A device string that TsFile's parser turns into {@link #deviceId()} (every node back-quoted). */
    String parsableDevice() { return parsableDevice; }

    @Override
    public boolean equals(Object o) {
        return o instanceof IotdbPath p && p.device.equals(device) && p.measurement.equals(measurement);
    }

    @Override
    public int hashCode() { return device.hashCode() * 31 + measurement.hashCode(); }

    @Override
    public String toString() { return fullPath(); }
}
