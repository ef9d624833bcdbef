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
 * missing). When the fingerprint changes and then holds still for one period, {@code onChange}
 * runs on the watcher's own thread, never on an event loop.
 */
public final class ConfigWatcher implements AutoCloseable {
    private final List<String> paths;
    private final Runnable onChange;
    private final ScheduledExecutorService timer;
    private String seen;
    private String pending;

    public ConfigWatcher(List<String> paths, long periodMillis, Runnable onChange) {
        this.paths = paths;
        this.onChange = onChange;
        this.seen = fingerprint();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-config-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::poll, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            String now = fingerprint();
            if (now.equals(seen)) {
                pending = null;
                return;
            }
            if (!now.equals(pending)) { // changed since last look: wait until writes settle
                pending = now;
                return;
            }
            seen = now;
            pending = null;
            onChange.run();
        } catch (RuntimeException e) {
            // A failure to read or apply must not stop the watch; the callback logs its own errors.
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
