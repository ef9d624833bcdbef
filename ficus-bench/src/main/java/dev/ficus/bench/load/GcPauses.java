package dev.ficus.bench.load;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The collections of this JVM (the load generator's) while a run goes on: every collector that
 * stops the application threads, with its start and end on the {@link System#nanoTime()} scale
 * (at the millisecond resolution the JVM reports them with). A collection stops the event loops:
 * the requests due meanwhile go out late, and the report must say that the instrument, not the
 * target, delayed them.
 *
 * <p>The JVM's notification thread appends; the run's thread reads after the run. Concurrent
 * collectors' cycles (G1's, ZGC's) are left out: their threads run beside the application.
 */
final class GcPauses implements AutoCloseable {
    /**
     * A collection of {@code name} that stopped the application for {@code millis} (as the JVM
     * reports it), from {@code startNanos} to {@code endNanos} (System.nanoTime; at least 1 ms apart).
     */
    record Pause(String name, long millis, long startNanos, long endNanos) {
        boolean overlaps(long from, long to) { return startNanos < to && endNanos > from; }
    }

    private final ConcurrentLinkedQueue<Pause> pauses = new ConcurrentLinkedQueue<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    /** System.nanoTime() at JVM start: the collections' times are milliseconds of uptime. */
    private final long jvmStartNanos;
    private final NotificationListener listener = this::onNotification;

    GcPauses() {
        jvmStartNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ManagementFactory.getRuntimeMXBean().getUptime());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
    }

    private void onNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (info.getGcName().contains("Concurrent") || info.getGcName().contains("Cycles")) return; // beside the application, not a pause
        long start = jvmStartNanos + TimeUnit.MILLISECONDS.toNanos(info.getGcInfo().getStartTime());
        // a pause of less than the reported millisecond still counts as one (its end is at least its start + 1 ms)
        long end = jvmStartNanos + TimeUnit.MILLISECONDS.toNanos(Math.max(info.getGcInfo().getEndTime(), info.getGcInfo().getStartTime() + 1));
        pauses.add(new Pause(info.getGcName(), info.getGcInfo().getDuration(), start, end));
    }

    /** The pauses that overlap {@code from}..{@code to} (System.nanoTime). */
    List<Pause> during(long from, long to) {
        return pauses.stream().filter(p -> p.overlaps(from, to)).toList();
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // never added: nothing to remove
            }
        }
    }
}
