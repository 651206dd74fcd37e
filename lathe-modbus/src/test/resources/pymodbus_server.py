"""Modbus TCP server with fixed, known values: an independent peer for Lathe's Modbus connector tests.

Usage: python3 pymodbus_server.py PORT

Listens on 127.0.0.1:PORT, prints "READY" once a TCP connection to that port succeeds, and exits when its
standard input closes (the Java test closes it, or dies). Values are encoded with Python's struct module, so they do
not share code with the decoder under test. Every address below is a zero-based protocol address; the map must match
PymodbusPeerTest.

Holding registers
    0      int16    -1234
    1      uint16   60000
    2-3    int32    -123456789   word order big (ABCD)
    4-5    int32    -123456789   word order little (CDAB)
    6-7    uint32   4000000000   ABCD
    8-9    float32  123.25       ABCD
    10-11  float32  0.1          word order little (CDAB)
    12-13  float32  -7.5         byte order little in each register (BADC)
    14-17  float64  -9876.54321  ABCD...
    18-21  float64  -9876.54321  word order little (last register first)
    22-25  int64    -1234567890123
    26-29  (zero)
Input registers
    0      int16    -7
    1      uint16   42
    2-3    float32  21.5         ABCD
Coils            0=1, 1=0, 2=1, 3=0
Discrete inputs  0=0, 1=1, 2=1, 3=0
Anything beyond these blocks is answered with exception 2 (ILLEGAL_DATA_ADDRESS).

Unit 2 (the other unit ids answer as unit 1 does not: only 1 and 2 exist) has a hole in its holding registers, like
a PLC whose register map skips an address; a request that touches 20 is answered with exception 2.
Holding registers of unit 2
    10     uint16   4321
    11-18  (zero)
    19     uint16   4660         (0x1234; 19-20 as uint32 spans the hole)
    20     missing
    21     uint16   777
    22-24  (zero)
    25-26  int32    -5
    27-29  (zero)
"""
import asyncio
import logging
import os
import socket
import struct
import sys
import threading
import traceback

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSparseDataBlock

try:  # pymodbus 3.0 to 3.9
    from pymodbus.datastore import ModbusSlaveContext as DeviceContext
except ImportError:  # later 3.x renamed it
    from pymodbus.datastore import ModbusDeviceContext as DeviceContext
from pymodbus.server import StartAsyncTcpServer


def words(fmt, value, word_order="big", byte_order="big"):
    """Registers (16-bit ints) holding value packed big-endian with struct format fmt, then reordered."""
    raw = struct.pack(">" + fmt, value)
    regs = [raw[i:i + 2] for i in range(0, len(raw), 2)]
    if word_order == "little":
        regs.reverse()
    if byte_order == "little":
        regs = [r[::-1] for r in regs]
    return [int.from_bytes(r, "big") for r in regs]


def holding_registers():
    regs = []
    regs += words("h", -1234)
    regs += words("H", 60000)
    regs += words("i", -123456789)
    regs += words("i", -123456789, word_order="little")
    regs += words("I", 4000000000)
    regs += words("f", 123.25)
    regs += words("f", 0.1, word_order="little")
    regs += words("f", -7.5, byte_order="little")
    regs += words("d", -9876.54321)
    regs += words("d", -9876.54321, word_order="little")
    regs += words("q", -1234567890123)
    regs += [0] * 4
    assert len(regs) == 30, len(regs)
    return regs


def sparse_holding_registers():
    """Unit 2's registers by protocol address: 10 to 29 without 20."""
    regs = {a: 0 for a in range(10, 30) if a != 20}
    regs[10] = words("H", 4321)[0]
    regs[19] = words("H", 0x1234)[0]
    regs[21] = words("H", 777)[0]
    regs[25], regs[26] = words("i", -5)
    return regs


def input_registers():
    return words("h", -7) + words("H", 42) + words("f", 21.5)


def context():
    # The slave context adds 1 to every protocol address before it reaches a block, so protocol address 0 is
    # block address 1: each block starts at 1.
    device = DeviceContext(
        hr=ModbusSequentialDataBlock(1, holding_registers()),
        ir=ModbusSequentialDataBlock(1, input_registers()),
        co=ModbusSequentialDataBlock(1, [1, 0, 1, 0]),
        di=ModbusSequentialDataBlock(1, [0, 1, 1, 0]),
    )
    holey = DeviceContext(
        hr=ModbusSparseDataBlock({a + 1: v for a, v in sparse_holding_registers().items()}),
        ir=ModbusSequentialDataBlock(1, [0]),
        co=ModbusSequentialDataBlock(1, [0]),
        di=ModbusSequentialDataBlock(1, [0]),
    )
    return ModbusServerContext({1: device, 2: holey}, False)


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(1024):
            pass
    finally:
        os._exit(0)


async def answers_as_this_server(port):
    """True when 127.0.0.1:port answers a read of holding register 0 with this server's value."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    try:
        # MBAP header (transaction 1, protocol 0, length 6, unit 1), then function 3, address 0, quantity 1.
        writer.write(struct.pack(">HHHBBHH", 1, 0, 6, 1, 3, 0, 1))
        await writer.drain()
        response = await asyncio.wait_for(reader.readexactly(11), 2)
        return response[7:9] == bytes([3, 2]) and response[9:11] == struct.pack(">h", -1234)
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
        return False
    finally:
        writer.close()


async def main(port):
    with socket.socket() as probe:  # fail fast when the port is taken, instead of probing someone else's server
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    server = asyncio.ensure_future(StartAsyncTcpServer(context=context(), address=("127.0.0.1", port)))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not await answers_as_this_server(port):
        if server.done():
            server.result()  # raises the start failure
            raise SystemExit("server stopped before listening")
        if loop.time() > deadline:
            raise SystemExit(f"not serving on 127.0.0.1:{port} after 20 s")
        await asyncio.sleep(0.05)
    print("READY", flush=True)
    await server


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: pymodbus_server.py PORT")
    # The readiness probe below opens and drops a connection, which pymodbus logs as an error; nothing it logs is
    # needed by the tests, which check every value they read.
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    try:
        asyncio.run(main(int(sys.argv[1])))
        code = 0
    except BaseException:  # also SystemExit: report it, then leave without waiting for the stdin thread
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
