package dev.ficus.proxy.telemetry.accesslog;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded ring of preallocated {@link AccessLogEntry} slots: many producers (the event loops),
 * one consumer (the writer thread). Dmitry Vyukov's bounded queue: each slot has a sequence number
 * that says whose turn it is, producers claim a position with a CAS on the tail, so no producer
 * ever waits for a lock or for the consumer; a full ring is reported, not waited out. Nothing is
 * allocated after construction.
 */
final class EntryRing {
    private final AccessLogEntry[] slots;
    private final AtomicLongArray sequence;
    private final int mask;
    private final AtomicLong tail = new AtomicLong();
    private long head; // the consumer's only

    EntryRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) throw new IllegalArgumentException("capacity must be a power of two >= 2: " + capacity);
        slots = new AccessLogEntry[capacity];
        sequence = new AtomicLongArray(capacity);
        for (int i = 0; i < capacity; i++) {
            slots[i] = new AccessLogEntry();
            sequence.set(i, i);
        }
        mask = capacity - 1;
    }

    int capacity() { return slots.length; }

    /** Producer: claims the next free position, or returns -1 when the ring is full. */
    long claim() {
        long pos = tail.get();
        while (true) {
            long dif = sequence.getAcquire((int) pos & mask) - pos;
            if (dif == 0) {
                if (tail.compareAndSet(pos, pos + 1)) return pos;
                pos = tail.get(); // another producer took it
            } else if (dif < 0) {
                return -1; // the slot still holds a line the writer has not taken: full
            } else {
                pos = tail.get(); // we read a stale tail
            }
        }
    }

    /** Producer: the slot of a claimed position, to fill before {@link #publish}. */
    AccessLogEntry slot(long pos) { return slots[(int) pos & mask]; }

    /** Producer: hands the filled slot to the consumer (a volatile write: see the writer's wake-up). */
    void publish(long pos) { sequence.set((int) pos & mask, pos + 1); }

    /** Consumer: the oldest published entry, or null when there is none. */
    AccessLogEntry peek() {
        int i = (int) head & mask;
        return sequence.getAcquire(i) == head + 1 ? slots[i] : null;
    }

    /** Consumer: gives the slot returned by {@link #peek} back to the producers. */
    void release() {
        sequence.setRelease((int) head & mask, head + slots.length);
        head++;
    }
}
