package io.lathe.server.config;

import io.lathe.model.PlantModel;

/** Turns the declared plant into the live model. */
public final class PlantBuilder {
    private PlantBuilder() {}

    public static PlantModel build(PlantSpec spec) {
        PlantModel m = new PlantModel(spec.enterprise());
        for (PlantSpec.Site s : spec.sites()) {
            String site = m.addChild(m.rootId(), s.name(), s.description(), "");
            for (PlantSpec.Area a : s.areas()) {
                String area = m.addChild(site, a.name(), a.description(), "");
                for (PlantSpec.Line l : a.lines()) {
                    String line = m.addChild(area, l.name(), l.description(), "");
                    for (PlantSpec.Machine mc : l.machines()) {
                        String machine = m.addChild(line, mc.name(), mc.description(), mc.source());
                        for (PlantSpec.SignalSpec sg : mc.signals()) {
                            String source = !sg.source().isEmpty() ? sg.source()
                                    : mc.source().isEmpty() ? "" : mc.source() + "#" + sg.name();
                            m.addSignal(machine, sg.name(), sg.type(), sg.unit(), sg.description(), source);
                        }
                    }
                }
            }
        }
        return m;
    }
}
