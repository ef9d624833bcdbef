package dev.ficus.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Fails a test class whose buffers leaked. Every test of this module runs with Netty's leak
 * detection PARANOID (every buffer tracked), but Netty only logs a leak; this extension (registered
 * for every test class through the JUnit service file) collects the reports and, after each class,
 * collects garbage until the collected buffers have been checked, then fails with the leak's
 * access records.
 */
public final class NettyLeakCheck implements AfterAllCallback {
    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation") // the sampling-interval constructor is the one subclasses get
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                return new ResourceLeakDetector<>(resource, samplingInterval) {
                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        LEAKS.add(resourceType + " leaked:" + records);
                        super.reportTracedLeak(resourceType, records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        LEAKS.add(resourceType + " leaked (no access records)");
                        super.reportUntracedLeak(resourceType);
                    }
                };
            }
        });
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // a leak is reported when a collected buffer's reference is polled, which happens as new
        // buffers are tracked: collect, then track a few, a bounded number of times
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(10); // the reference handler thread enqueues what the collection found
            for (int j = 0; j < 4; j++) {
                ByteBuf b = (j % 2 == 0 ? PooledByteBufAllocator.DEFAULT : UnpooledByteBufAllocator.DEFAULT).directBuffer(1);
                b.release();
            }
        }
        List<String> found = new ArrayList<>();
        for (String l; (l = LEAKS.poll()) != null; ) found.add(l);
        if (!found.isEmpty()) {
            throw new AssertionError(found.size() + " Netty resource leak(s) reported while " + context.getDisplayName()
                    + " ran (or a class before it):\n" + String.join("\n", found));
        }
    }
}
