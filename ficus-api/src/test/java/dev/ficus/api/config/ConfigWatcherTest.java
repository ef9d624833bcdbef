package dev.ficus.api.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The watch takes each change once, after its writes settle, and well before a second period has passed. */
class ConfigWatcherTest {

    @Test
    void eachChangeIsTakenOnceSoonAfterItsWrite(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mesh.yaml");
        Files.writeString(f, "a: 1\n");
        AtomicInteger changes = new AtomicInteger();
        long period = 1_500; // long enough that a second whole period would show
        ConfigWatcher watcher = new ConfigWatcher(List.of(dir.toString()), period, changes::incrementAndGet);
        try {
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> changes.get() == 0); // nothing changed

            Files.writeString(f, "a: 22\n");
            long t0 = System.nanoTime();
            await().atMost(Duration.ofMillis(period + 1_500)).until(() -> changes.get() == 1);
            // taken at the first look after the write plus the settle time, not at the look after that
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(period + ConfigWatcher.SETTLE_MILLIS + 800));

            Files.writeString(dir.resolve("more.yaml"), "b: 1\n");
            await().atMost(Duration.ofMillis(2 * period + 1_500)).until(() -> changes.get() == 2);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> changes.get() == 2); // once each
        } finally {
            watcher.close();
        }
    }
    /**
     * A change whose handling throws, even a checked exception thrown undeclared (as Netty's
     * {@code sync()} rethrows a failed bind), does not end the watch: the next change is taken.
     * A failed bind on reload used to kill the watch thread, and no edit was applied again.
     */
    @Test
    void aChangeWhoseHandlingThrowsDoesNotEndTheWatch(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mesh.yaml");
        Files.writeString(f, "a: 1\n");
        AtomicInteger changes = new AtomicInteger();
        ConfigWatcher watcher = new ConfigWatcher(List.of(dir.toString()), 200, () -> {
            if (changes.incrementAndGet() == 1) throwUndeclared(new java.io.IOException("bind(..) failed: Address already in use"));
        });
        try {
            Files.writeString(f, "a: 2\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 1);
            Files.writeString(f, "a: 3\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 2);
        } finally {
            watcher.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void throwUndeclared(Throwable t) throws E {
        throw (E) t;
    }

    @Test
    void theFileSystemTellsOfAChangeLongBeforeAPeriodEnds(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mesh.yaml");
        Files.writeString(f, "a: 1\n");
        AtomicInteger changes = new AtomicInteger();
        ConfigWatcher watcher = new ConfigWatcher(List.of(dir.toString()), 60_000, changes::incrementAndGet);
        try {
            assertThat(watcher.eventDriven()).as("inotify on Linux").isTrue();
            Files.writeString(f, "a: 22\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 1);

            // a directory made after the start is watched too, and a file written in it is seen
            Path sub = Files.createDirectory(dir.resolve("team-a"));
            await().pollDelay(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> changes.get() == 1); // no config file yet: no change
            Files.writeString(sub.resolve("routes.yaml"), "b: 1\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 2);

            // a file that is no config changes nothing; a removal does
            Files.writeString(dir.resolve("notes.txt"), "x");
            Files.delete(sub.resolve("routes.yaml"));
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 3);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> changes.get() == 3);
        } finally {
            watcher.close();
        }
    }

    @Test
    void aWatchedFileReplacedByRenameIsSeen(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mesh.yaml");
        Files.writeString(f, "a: 1\n");
        AtomicInteger changes = new AtomicInteger();
        ConfigWatcher watcher = new ConfigWatcher(List.of(f.toString()), 60_000, changes::incrementAndGet);
        try {
            Path tmp = dir.resolve(".mesh.yaml.swp");
            Files.writeString(tmp, "a: 2\n");
            Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 1);
        } finally {
            watcher.close();
        }
    }
}
