package io.lathe.model;

import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of one node of the plant tree.
 *
 * @param signals the machine's signals; empty above machine level
 * @param source  for machines, where data comes from (for example {@code sparkplug:G1/E1/D1}); empty otherwise
 */
public record Asset(String id, String name, AssetLevel level, String description, String source,
                    List<Asset> children, List<Signal> signals) {
    public Asset {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(level, "level");
        description = description == null ? "" : description;
        source = source == null ? "" : source;
        children = List.copyOf(children);
        signals = List.copyOf(signals);
    }

    /** Depth-first search for an asset by id, this node included. */
    public Asset find(String assetId) {
        if (id.equals(assetId)) return this;
        for (Asset c : children) {
            Asset f = c.find(assetId);
            if (f != null) return f;
        }
        return null;
    }
}
