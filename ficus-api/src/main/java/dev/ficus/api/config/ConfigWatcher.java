package dev.ficus.api.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Watches configuration files and directories. What decides a change is a fingerprint of the
 * config files' names, sizes and modification times (robust across editors that replace files
 * and across Kubernetes' symlink swaps); when it changes and then holds still for
 * {@link #SETTLE_MILLIS} (or the period, when that is shorter), {@code onChange} runs on the
 * watcher's own thread, never on an event loop.
 *
 * <p>When to look is told by the file system where it can (inotify on Linux, through a
 * {@link WatchService} on every watched directory and the parent of every watched file): a change
 * is then looked at as soon as it is written, and between changes the watcher only looks every
 * {@link #FALLBACK_MILLIS} at least, for file systems that report nothing (network mounts). An
 * idle proxy then spends next to nothing on its config (polling every 250 ms cost ~0.5% of a
 * CPU). Without a watch service it looks every period. The second look comes after the settle
 * time in both cases, so a change is taken within the settle time of its last write (with
 * events) or a period plus that (without).
 */
public final class ConfigWatcher implements AutoCloseable {
    /** How long a changed fingerprint must hold still before the change is taken: the writes have settled. */
    public static final long SETTLE_MILLIS = 25;
    /** The longest wait between looks when the file system reports changes: a safety net for mounts that report none. */
    public static final long FALLBACK_MILLIS = 2_000;

    private final List<String> paths;
    private final Runnable onChange;
    private final long periodMillis;
    private final long settleMillis;
    private final WatchService events; // null: the file system tells nothing, poll every period
    private final Thread thread;
    private volatile boolean closed;
    private String seen;
    private String pending; // a changed fingerprint, to be taken if it is the same at the next look
    private long pendingSince; // System.nanoTime() when pending was first seen

    public ConfigWatcher(List<String> paths, long periodMillis, Runnable onChange) {
        this.paths = paths;
        this.onChange = onChange;
        this.periodMillis = periodMillis;
        this.settleMillis = Math.min(periodMillis, SETTLE_MILLIS);
        this.events = newWatchService();
        register();
        this.seen = fingerprint();
        this.thread = Thread.ofPlatform().name("ficus-config-watch").daemon().unstarted(this::run);
        thread.start();
    }

    /** Whether changes are reported by the file system (else they are found by polling every period). */
    public boolean eventDriven() {
        return events != null;
    }

    private static WatchService newWatchService() {
        try {
            return FileSystems.getDefault().newWatchService();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private void run() {
        long next = events == null ? periodMillis : Math.max(periodMillis, FALLBACK_MILLIS);
        while (!closed) {
            try {
                if (events == null) {
                    Thread.sleep(next);
                } else {
                    WatchKey key = events.poll(next, TimeUnit.MILLISECONDS);
                    boolean told = false;
                    while (key != null) { // take every report waiting, then look once
                        key.pollEvents();
                        key.reset();
                        told = true;
                        key = events.poll();
                    }
                    if (told) register(); // a directory may have been made or replaced
                }
                next = look();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return; // closed
            } catch (Exception e) { // a checked one too: Netty rethrows a bind failure undeclared
                // A failure to read or apply must not stop the watch; the callback logs its own errors.
                next = events == null ? periodMillis : Math.max(periodMillis, FALLBACK_MILLIS);
            }
        }
    }

    /** Compares the fingerprint with what was taken; returns how long to wait before the next look. */
    private long look() {
        long idle = events == null ? periodMillis : Math.max(periodMillis, FALLBACK_MILLIS);
        String now = fingerprint();
        if (now.equals(seen)) {
            pending = null;
            return idle;
        }
        if (!now.equals(pending)) { // changed since the last look: look again once the writes have settled
            pending = now;
            pendingSince = System.nanoTime();
            return settleMillis;
        }
        long still = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pendingSince);
        if (still < settleMillis) return settleMillis - still; // a report of the same write: it has not held still long enough yet
        seen = now;
        pending = null;
        if (events != null) register();
        onChange.run();
        return idle;
    }

    /** Asks the file system to report changes in every watched directory and below, and in the parent of every watched file. */
    private void register() {
        if (events == null) return;
        for (String p : paths) {
            if (p.equals("-")) continue;
            Path path = Path.of(p).toAbsolutePath();
            if (Files.isDirectory(path)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    walk.filter(Files::isDirectory).forEach(this::watch);
                } catch (IOException | UncheckedIOException e) {
                    // unreadable now: the fallback look finds it when it is back
                }
            } else if (path.getParent() != null) {
                watch(path.getParent());
            }
        }
    }

    private void watch(Path dir) {
        try {
            dir.register(events, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException | ClosedWatchServiceException e) {
            // gone or closed: the fallback look covers it
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
        closed = true;
        thread.interrupt();
        if (events != null) {
            try {
                events.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
