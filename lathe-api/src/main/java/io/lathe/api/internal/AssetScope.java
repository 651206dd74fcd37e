package io.lathe.api.internal;

import io.lathe.model.Asset;
import io.lathe.model.AssetLevel;
import io.lathe.model.PlantModel;
import io.lathe.model.Signal;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Tells whether a signal belongs to a machine under one asset. The set of machines is recomputed only when the plant
 * model changes (devices announced at run time join the scope), so the test on the ingest thread is two map look-ups.
 */
public final class AssetScope implements Predicate<String> {
    private record Machines(long version, Set<String> ids) {}

    private final PlantModel model;
    private final String assetId;
    private volatile Machines machines = new Machines(-1, Set.of());

    public AssetScope(PlantModel model, String assetId) {
        this.model = model;
        this.assetId = assetId;
    }

    @Override
    public boolean test(String signalId) {
        Signal s = model.signal(signalId);
        return s != null && machines().ids().contains(s.machineId());
    }

    private Machines machines() {
        Machines m = machines;
        long v = model.version();
        if (m.version() != v) {
            Set<String> ids = new HashSet<>();
            Asset a = model.snapshot().find(assetId);
            if (a != null) collect(a, ids);
            m = new Machines(v, Set.copyOf(ids));
            machines = m;
        }
        return m;
    }

    private static void collect(Asset a, Set<String> into) {
        if (a.level() == AssetLevel.MACHINE) into.add(a.id());
        for (Asset c : a.children()) collect(c, into);
    }
}
