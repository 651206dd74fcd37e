/**
 * Export of Lathe's telemetry store to Apache TsFile, the file format of Apache IoTDB (issue 3: stored data "can later
 * be loaded into Apache IoTDB").
 *
 * <p>{@link io.lathe.tsfile.TsFileExport} writes one file per 7-day partition (IoTDB's default time partition);
 * {@link io.lathe.tsfile.IotdbPath} maps series names to IoTDB tree-model paths under {@code root.lathe};
 * {@link io.lathe.tsfile.TimePrecision} picks ms (IoTDB's default) or µs timestamps. Quality codes are not exported.
 * See the module's README.md for loading the files into IoTDB.
 */
package io.lathe.tsfile;
