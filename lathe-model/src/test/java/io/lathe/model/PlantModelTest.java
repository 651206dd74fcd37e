package io.lathe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PlantModelTest {

    @Test
    void buildsTheIsa95TreeWithUrlSafeIds() {
        PlantModel m = new PlantModel("Acme Corp");
        String site = m.addChild(m.rootId(), "Plant Nord", "", "");
        String area = m.addChild(site, "Machining", "", "");
        String line = m.addChild(area, "Line 1", "", "");
        String mc = m.addChild(line, "CNC #1", "", "sparkplug:G1/E1/D1");
        Signal s = m.addSignal(mc, "Process/Spindle Speed", DataType.DOUBLE, "rpm", "", "");

        assertThat(mc).isEqualTo("acme-corp.plant-nord.machining.line-1.cnc-1");
        assertThat(s.id()).isEqualTo("acme-corp.plant-nord.machining.line-1.cnc-1.process-spindle-speed");
        assertThat(m.machineBySource("sparkplug:G1/E1/D1")).isEqualTo(mc);
        Asset tree = m.snapshot();
        assertThat(tree.find(line).level()).isEqualTo(AssetLevel.LINE);
        assertThat(tree.find(mc).signals()).containsExactly(s);
    }

    @Test
    void namesThatSlugAlikeStillGetDistinctIds() {
        PlantModel m = new PlantModel("e");
        String mc = m.addChild(m.addChild(m.addChild(m.addChild(m.rootId(), "s", "", ""), "a", "", ""), "l", "", ""), "m", "", "");
        Signal a = m.addSignal(mc, "Temp/1", DataType.DOUBLE, "", "", "");
        Signal b = m.addSignal(mc, "Temp 1", DataType.DOUBLE, "", "", "");
        assertThat(a.id()).isNotEqualTo(b.id());
        assertThat(m.addSignal(mc, "Temp/1", DataType.DOUBLE, "", "", "")).isEqualTo(a);
    }

    @Test
    void refusesChildrenBelowAMachine() {
        PlantModel m = new PlantModel("e");
        String mc = m.addChild(m.addChild(m.addChild(m.addChild(m.rootId(), "s", "", ""), "a", "", ""), "l", "", ""), "m", "", "");
        assertThatThrownBy(() -> m.addChild(mc, "x", "", "")).hasMessageContaining("a machine has no child assets");
    }
}
