package dev.ficus.bench.load;

/**
 * Count, sum, min, max and sum of squares of a size in bytes: enough for a mean and a standard
 * deviation without keeping the values. Mutable, owned by one event loop until merged.
 */
public final class SizeStats {
    private long count;
    private long sum;
    private long min = Long.MAX_VALUE;
    private long max;
    private double sumOfSquares;

    void record(long bytes) {
        count++;
        sum += bytes;
        if (bytes < min) min = bytes;
        if (bytes > max) max = bytes;
        sumOfSquares += (double) bytes * bytes;
    }

    void add(SizeStats other) {
        count += other.count;
        sum += other.sum;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
        sumOfSquares += other.sumOfSquares;
    }

    public long count() { return count; }
    public long sum() { return sum; }
    public long min() { return count == 0 ? 0 : min; }
    public long max() { return max; }

    public double mean() {
        return count == 0 ? 0 : (double) sum / count;
    }

    public double stdDev() {
        if (count == 0) return 0;
        double mean = mean();
        return Math.sqrt(Math.max(0, sumOfSquares / count - mean * mean));
    }
}
