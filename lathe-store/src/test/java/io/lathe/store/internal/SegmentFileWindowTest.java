package io.lathe.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction's read-ahead window must read exactly what direct reads do, whatever the sizes and the file order. */
class SegmentFileWindowTest {

    @TempDir
    Path dir;

    @Test
    void readsThroughAWindowEqualDirectReadsForSmallLargeAndOutOfOrderSeries() throws Exception {
        Codecs codecs = new Codecs();
        Random rnd = new Random(11);
        // ids written out of id order, so the window's guess of where a series' blocks start is sometimes wrong;
        // series of 1 to 9,000 points, so some groups are larger than the window and some blocks too
        int[] order = {5, 1, 9, 2, 3, 40, 7, 8, 0, 30};
        SegmentFile.Writer w = new SegmentFile.Writer(dir.resolve("f.tmp"), codecs);
        for (int id : order) {
            int n = id == 40 ? 9_000 : 1 + rnd.nextInt(id == 30 ? 3_000 : 300);
            Columns c = new Columns(DataType.DOUBLE, n);
            double v = 0;
            for (int i = 0; i < n; i++) {
                v += rnd.nextGaussian(); // noisy values: a 2,048-point block is larger than the smallest window below
                c.add(1_000_000L * i + id, Double.doubleToRawLongBits(v), (byte) (i % 3), null);
            }
            w.add(id, c, 0, n);
        }
        SegmentFile f = w.finish(dir.resolve("f.lseg"), 0, 1, 1);
        try {
            SegmentFile.Directory d = f.readDirectory();
            for (int bytes : new int[] {64, 4096, 1 << 20}) {
                SegmentFile.Window win = f.window(bytes);
                for (int i = 0; i < d.size(); i++) {
                    BlockMeta[] direct = f.readBlocks(d, i);
                    BlockMeta[] windowed = f.readBlocks(d, i, win);
                    assertThat(windowed).hasSameSizeAs(direct);
                    for (int k = 0; k < direct.length; k++) {
                        assertThat(windowed[k].offset).isEqualTo(direct[k].offset);
                        assertThat(windowed[k].count).isEqualTo(direct[k].count);
                        Columns a = new Columns(DataType.DOUBLE, 16), b = new Columns(DataType.DOUBLE, 16);
                        f.read(direct[k], codecs, a);
                        f.read(windowed[k], codecs, b, win);
                        assertThat(b.size).isEqualTo(a.size);
                        for (int p = 0; p < a.size; p++) {
                            assertThat(b.ts[p]).isEqualTo(a.ts[p]);
                            assertThat(b.bits[p]).isEqualTo(a.bits[p]);
                            assertThat(b.quality[p]).isEqualTo(a.quality[p]);
                        }
                    }
                }
            }
        } finally {
            f.close();
        }
    }
}
