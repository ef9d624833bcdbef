package dev.ficus.proxy.telemetry.accesslog;

import dev.ficus.api.cel.CelFilter;
import dev.ficus.proxy.telemetry.Exchange;
import dev.ficus.xds.snapshot.HostPort;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * What an access log line costs in CPU, measured as thread CPU time (less sensitive to a busy
 * machine than wall time): the event loop's part (sampling, filter, copy into the ring), the
 * filter alone, and the writer's formatting. Not a test; run by hand (command in
 * docs/telemetry.md#access-logs):
 * {@code java -cp ... dev.ficus.proxy.telemetry.accesslog.AccessLogCost [lines]}.
 */
public final class AccessLogCost {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        Exchange ex = exchange();
        for (int round = 0; round < 3; round++) {
            // the event loop's part: batches of half a ring, each offered after the writer (to /dev/null) took the last
            try (AccessLogWriter w = new AccessLogWriter(new FileOutputStream("/dev/null"), "/dev/null", AccessLogConfig.DEFAULT_CAPACITY)) {
                ListenerAccessLog all = new ListenerAccessLog(w, null, 100, false);
                int batch = AccessLogConfig.DEFAULT_CAPACITY / 2, batches = n / batch;
                long cpu = 0;
                for (int b = 0; b < batches; b++) {
                    long t0 = CPU.getCurrentThreadCpuTime();
                    for (int i = 0; i < batch; i++) all.onEnd(ex);
                    cpu += CPU.getCurrentThreadCpuTime() - t0;
                    while (w.written() < (long) (b + 1) * batch) java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                }
                System.out.printf(Locale.ROOT, "round %d: onEnd (copy into the ring) %.0f ns CPU per exchange (%d written, %d dropped)%n",
                        round, (double) cpu / ((long) batches * batch), w.written(), w.dropped());
            }
            CelFilter simple = CelFilter.compile("response.code >= 400");
            CelFilter rich = CelFilter.compile("response.code >= 500 || request.duration > duration('1s') || request.url_path.startsWith('/admin')"
                    + " && request.headers['x-user'] in ['alice', 'bob']");
            boolean[] sink = new boolean[1];
            double f1 = perOp(n, () -> sink[0] ^= simple.test(ExchangeAttributes.OUTBOUND, ex));
            double f2 = perOp(n, () -> sink[0] ^= rich.test(ExchangeAttributes.OUTBOUND, ex));
            // the writer's part: formatting one line (the write itself is one syscall per 64 KiB or per idle moment)
            AccessLogEntry e = new AccessLogEntry();
            e.copyFrom(ex, false);
            AccessLogFormat.Bytes buf = new AccessLogFormat.Bytes(1 << 17);
            int[] len = new int[1];
            double fmt = perOp(n, () -> {
                if (buf.length() > 1 << 16) buf.reset();
                AccessLogFormat.append(e, buf);
                len[0] = buf.length();
            });
            System.out.printf(Locale.ROOT, "round %d: filter 'response.code >= 400' %.0f ns; a four-clause filter %.0f ns; formatting a line %.0f ns CPU%s%n",
                    round, f1, f2, fmt, sink[0] ? "" : " ");
        }
    }

    private static double perOp(int n, Runnable op) {
        for (int i = 0; i < n / 10; i++) op.run(); // JIT
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) op.run();
        return (double) (CPU.getCurrentThreadCpuTime() - t0) / n;
    }

    /** A request as a browser sends it through an outbound listener, answered 200 by an endpoint. */
    static Exchange exchange() {
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/reviews/42?page=2");
        req.headers().add("host", "reviews.shop.svc.cluster.local:9080")
                .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
                .add("x-request-id", "8f1c7a8e-3b9d-4a57-9c1e-2f6b0d4e7a11")
                .add("x-user", "alice");
        Exchange ex = new Exchange();
        ex.begin(req, "HTTP/1.1", "10.1.2.3");
        ex.route("reviews-v1");
        ex.cluster("outbound|9080|v1|reviews.shop.svc.cluster.local", null);
        ex.upstreamHost(new HostPort("10.4.5.6", 9080));
        ex.responseBody(1024);
        ex.end(200, null);
        return ex;
    }
}
