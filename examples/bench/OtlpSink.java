// A stand-in OTLP/HTTP collector for cost measurements: accepts POST /v1/traces, counts requests
// and bytes, answers 200 with an empty ExportTraceServiceResponse. JDK only: `java OtlpSink.java PORT`.
// GET /count prints "<requests> <bytes>".

import com.sun.net.httpserver.HttpServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

public class OtlpSink {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 14318;
        AtomicLong requests = new AtomicLong(), bytes = new AtomicLong();
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        s.setExecutor(Executors.newFixedThreadPool(2));
        s.createContext("/v1/traces", x -> {
            bytes.addAndGet(x.getRequestBody().readAllBytes().length);
            requests.incrementAndGet();
            x.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        s.createContext("/count", x -> {
            byte[] b = (requests.get() + " " + bytes.get() + "\n").getBytes(StandardCharsets.US_ASCII);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        s.start();
        System.out.println("otlp sink on 127.0.0.1:" + port);
    }
}
