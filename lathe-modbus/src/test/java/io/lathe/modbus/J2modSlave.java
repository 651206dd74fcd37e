package io.lathe.modbus;

import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * An in-process Modbus TCP slave of an independent implementation (j2mod), on a free port of 127.0.0.1.
 * Reusable by other tests: create, add units with {@link #unit(int, int, int, int, int)}, then {@link #open()}.
 */
public final class J2modSlave implements AutoCloseable {
    private final ModbusSlave slave;
    private final int port;

    public J2modSlave() throws Exception {
        port = freePort();
        slave = ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, 4, false);
    }

    /** Adds a unit with the given number of zeroed holding registers, input registers, coils and discrete inputs. */
    public SimpleProcessImage unit(int unitId, int holding, int input, int coils, int discreteInputs) {
        SimpleProcessImage image = new SimpleProcessImage(unitId);
        for (int i = 0; i < holding; i++) image.addRegister(new SimpleRegister(0));
        for (int i = 0; i < input; i++) image.addInputRegister(new SimpleInputRegister(0));
        for (int i = 0; i < coils; i++) image.addDigitalOut(new SimpleDigitalOut(false));
        for (int i = 0; i < discreteInputs; i++) image.addDigitalIn(new SimpleDigitalIn(false));
        slave.addProcessImage(unitId, image);
        return image;
    }

    public J2modSlave open() throws Exception {
        slave.open();
        return this;
    }

    public int port() {
        return port;
    }

    /** Writes 16-bit words into consecutive holding registers from {@code address}. */
    public static void setHolding(SimpleProcessImage image, int address, int... words) {
        for (int i = 0; i < words.length; i++) image.getRegister(address + i).setValue(words[i] & 0xFFFF);
    }

    @Override
    public void close() {
        ModbusSlaveFactory.close(slave);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
