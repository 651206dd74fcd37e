package io.lathe.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.Arrays;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.junit.jupiter.api.Test;

// Issue 5, demo devices: the OPC UA machine and the Modbus meter are real servers that other implementations can read.
class DemoDevicesTest {

    @Test
    void energyMeterServesPowerVoltageCurrentAndEnergyToAnIndependentModbusClient() throws Exception {
        // j2mod as the client, so the register layout is checked by a second Modbus implementation.
        try (ModbusEnergyMeter meter = ModbusEnergyMeter.start("127.0.0.1", 0, () -> 30.0, 1, InstantSource.system())) {
            ModbusTCPMaster master = new ModbusTCPMaster("127.0.0.1", meter.port());
            master.connect();
            try {
                InputRegister[] regs = master.readInputRegisters(ModbusEnergyMeter.UNIT_ID, 0, 12);
                ByteBuffer b = ByteBuffer.allocate(24);
                for (InputRegister r : regs) b.put(r.toBytes());
                b.flip();
                float power = b.getFloat(), volts = b.getFloat(), amps = b.getFloat();
                double kwh = b.getDouble();
                long wh = b.getInt() & 0xFFFF_FFFFL;
                assertThat(power).isEqualTo(30.0f);
                assertThat(volts).isBetween(396f, 404f);
                assertThat((double) amps).isCloseTo(30_000 / (Math.sqrt(3) * volts * 0.92), org.assertj.core.data.Offset.offset(0.01));
                assertThat(kwh).isGreaterThanOrEqualTo(0);
                assertThat(wh).isEqualTo((long) (kwh * 1000));
            } finally {
                master.disconnect();
            }
        }
    }

    @Test
    void opcUaMachineServesTheCncVariablesWithTheirTypes() throws Exception {
        // A plain Milo client reads each variable by the NodeId the class documents.
        try (OpcUaMachine machine = OpcUaMachine.start("127.0.0.1", 0, 42, 1, InstantSource.system())) {
            OpcUaClient client = OpcUaClient.create(machine.endpointUrl());
            client.connect();
            try {
                Object state = read(client, machine, "State");
                assertThat(Arrays.stream(MachineState.values()).map(MachineState::label)).contains((String) state);
                assertThat(read(client, machine, "GoodCount")).isInstanceOf(Long.class);
                assertThat(read(client, machine, "ReasonCode")).isInstanceOf(Integer.class);
                assertThat(read(client, machine, "SpindleSpeed")).isInstanceOf(Double.class);
                assertThat(machine.indexedNodeId("State")).matches("ns=\\d+;s=CNC/State");
            } finally {
                client.disconnect();
            }
        }
    }

    private static Object read(OpcUaClient client, OpcUaMachine machine, String variable) throws Exception {
        DataValue v = client.readValue(0, TimestampsToReturn.Both, NodeId.parse(machine.indexedNodeId(variable)));
        assertThat(v.getStatusCode().isGood()).as(variable + " " + v.getStatusCode()).isTrue();
        return v.getValue().getValue();
    }
}
