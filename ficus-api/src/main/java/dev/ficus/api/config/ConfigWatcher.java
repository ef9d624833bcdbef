package dev.ficus.api.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Watches configuration files and directories by polling their names, sizes and modification
 * times (robust across editors that replace files, and across file systems where inotify is
 * missing). When the fingerprint changes and then holds still for {@link #SETTLE_MILLIS} (or the
 * period, when that is shorter), {@code onChange} runs on the watcher's own thread, never on an
 * event loop. The second look comes after the settle time, not a whole period later: a change is
 * taken within a period plus the settle time of its write.
 */
public final class ConfigWatcher implements AutoCloseable {
    /** How long a changed fingerprint must hold still before the change is taken: the writes have settled. */
    public static final long SETTLE_MILLIS = 25;

    private final List<String> paths;
    private final Runnable onChange;
    private final long periodMillis;
    private final long settleMillis;
    private final ScheduledExecutorService timer;
    private String seen;
    private String pending; // a changed fingerprint, to be taken if it is the same at the next look

    public ConfigWatcher(List<String> paths, long periodMillis, Runnable onChange) {
        this.paths = paths;
        this.onChange = onChange;
        this.periodMillis = periodMillis;
        this.settleMillis = Math.min(periodMillis, SETTLE_MILLIS);
        this.seen = fingerprint();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-config-watch");
            t.setDaemon(true);
            return t;
        });
        timer.schedule(this::poll, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        long next = periodMillis;
        try {
            String now = fingerprint();
            if (now.equals(seen)) {
                pending = null;
            } else if (!now.equals(pending)) { // changed since the last look: look again once the writes have settled
                pending = now;
                next = settleMillis;
            } else {
                seen = now;
                pending = null;
                onChange.run();
            }
        } catch (RuntimeException e) {
            // A failure to read or apply must not stop the watch; the callback logs its own errors.
        } finally {
            try {
                timer.schedule(this::poll, next, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed
            }
        }
    }

    private String fingerprint() {
        TreeMap<String, String> files = new TreeMap<>();
        for (String p : paths) {
            if (p.equals("-")) continue;
            Path path = Path.of(p);
            if (Files.isDirectory(path)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    walk.filter(ConfigWatcher::isConfig).forEach(f -> files.put(f.toString(), stamp(f)));
                } catch (IOException | UncheckedIOException e) {
                    files.put(p, "unreadable");
                }
            } else {
                files.put(p, stamp(path));
            }
        }
        return files.toString();
    }

    private static boolean isConfig(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
    }

    private static String stamp(Path f) {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            return a.size() + "@" + a.lastModifiedTime().toMillis() + "#" + a.fileKey();
        } catch (IOException e) {
            return "missing";
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
