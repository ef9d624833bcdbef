package dev.ficus.bench.load;

/** Builds {@link SizeStats} with known content for report tests (its recorder is package-private). */
public final class SizeStatsFixture {
    private SizeStatsFixture() {
    }

    public static SizeStats of(long bytes, int times) {
        SizeStats s = new SizeStats();
        for (int i = 0; i < times; i++) s.record(bytes);
        return s;
    }
}
