package dev.ficus.cli;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ficus.cli.BenchRunCommandTest.bench;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code ficus bench run --protocol grpc|tcp|h2c} as a user types it, against real servers on loopback. */
class BenchRunProtocolTest {
    static final String METHOD = "/ficus.test.Echo/Call";

    /** A grpc-java server whose one unary method echoes raw bytes; every 4th call ends UNAVAILABLE (14). */
    static Server grpcServer(AtomicLong calls) throws IOException {
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(METHOD.substring(1))
                .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
        ServerServiceDefinition service = ServerServiceDefinition.builder("ficus.test.Echo")
                .addMethod(method, ServerCalls.asyncUnaryCall((byte[] req, io.grpc.stub.StreamObserver<byte[]> reply) -> {
                    if (calls.incrementAndGet() % 4 == 0) {
                        reply.onError(Status.UNAVAILABLE.asRuntimeException());
                        return;
                    }
                    reply.onNext(req);
                    reply.onCompleted();
                })).build();
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                .directExecutor().build().start();
    }

    @Test
    void grpcCallsCountStatusesAndWriteFortioGrpcResults(@TempDir Path dir) throws Exception {
        AtomicLong calls = new AtomicLong();
        Server server = grpcServer(calls);
        try {
            Path smp = dir.resolve("smp.json");
            Path fortio = dir.resolve("fortio.json");
            BenchRunCommandTest.Run r = bench("--protocol", "grpc", "--url", "http://127.0.0.1:" + server.getPort(),
                    "--grpc-method", METHOD, "--body-size", "32", "--rate", "100", "--duration", "2s",
                    "--connections", "2", "--streams", "2", "--max-requests", "100",
                    "--smp", smp.toString(), "--fortio", fortio.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("target    grpc " + METHOD + " at http://127.0.0.1:" + server.getPort() + "/ (32-byte messages)")
                    .contains("2 connections x 2 streams").contains("status    OK 75, UNAVAILABLE 25")
                    .contains("errors    25 (grpc_status 25)");
            assertThat(calls.get()).isEqualTo(100);
            assertThat(Files.readString(smp)).contains("\"protocol\":\"grpc\"").contains("\"streams\":\"2\"");
            assertThat(Files.readString(fortio)).startsWith("{\"RunType\":\"GRPC\"")
                    .contains("\"RetCodes\":{\"OK\":75,\"UNAVAILABLE\":25}").contains("\"Streams\":2")
                    .contains("\"Destination\":\"http://127.0.0.1:" + server.getPort() + METHOD + "\"");
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A byte echo on loopback: a virtual thread per connection writes back whatever it reads. */
    static ServerSocket echoServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException e) {
                            // the client went away
                        }
                    });
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
        return server;
    }

    @Test
    void aTcpUrlRunsAnEchoOfSixtyFourBytesByDefault(@TempDir Path dir) throws Exception {
        try (ServerSocket echo = echoServer()) {
            Path fortio = dir.resolve("fortio.json");
            BenchRunCommandTest.Run r = bench("--url", "tcp://127.0.0.1:" + echo.getLocalPort(), "--rate", "100",
                    "--duration", "1s", "--max-requests", "50", "--fortio", fortio.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("target    tcp echo of 64 bytes at tcp://127.0.0.1:" + echo.getLocalPort())
                    .contains("errors    0");
            assertThat(Files.readString(fortio)).startsWith("{\"RunType\":\"TCP\"").contains("\"RetCodes\":{\"OK\":50}")
                    .contains("\"BytesSent\":3200").contains("\"BytesReceived\":3200");
        }
    }

    @Test
    void h2cAgainstAGrpcServerSeesItsHttpStatus() throws Exception {
        // A gRPC server is an h2c server too: it answers every POST with gRPC's content type with a 200
        // (the call itself fails in the trailers: the body is not a gRPC message, and h2c does not look).
        AtomicLong calls = new AtomicLong();
        Server server = grpcServer(calls);
        try {
            BenchRunCommandTest.Run r = bench("--protocol", "h2c", "--url", "http://127.0.0.1:" + server.getPort() + METHOD,
                    "--method", "POST", "--header", "content-type: application/grpc", "--header", "te: trailers",
                    "--rate", "100", "--duration", "2s", "--streams", "4", "--max-requests", "40");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("target    h2c POST http://127.0.0.1:").contains("1 connection x 4 streams")
                    .contains("(40 responses;").contains("errors    0");
            assertThat(calls.get()).isZero(); // no call reached the method
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--protocol spdy --url http://127.0.0.1:9/|--protocol: unknown protocol 'spdy': expected http1, h2c, grpc or tcp",
            "--protocol tcp --url http://127.0.0.1:9/|--url: tcp needs tcp://HOST:PORT, got http://127.0.0.1:9/",
            "--protocol h2c --url tcp://127.0.0.1:9|--url: h2c needs http://HOST[:PORT]/PATH (tcp:// is for --protocol tcp), got tcp://127.0.0.1:9",
            "--url tcp://127.0.0.1:9 --method POST|--method does not apply to tcp: it sends --body-size bytes",
            "--url tcp://127.0.0.1:9 --body-size 0|--body-size: expected a whole number from 1 to 67108864, got '0'",
            "--protocol grpc --url http://127.0.0.1:9|grpc needs --grpc-method /package.Service/Method",
            "--protocol grpc --url http://127.0.0.1:9 --grpc-method x.Y/Z|--grpc-method: expected /package.Service/Method, got 'x.Y/Z'",
            "--protocol grpc --url http://127.0.0.1:9 --grpc-method /a/b/c/|a gRPC method is a path /package.Service/Method, got '/a/b/c/'",
            "--url http://127.0.0.1:9/ --grpc-method /a.B/C|--grpc-method only applies with --protocol grpc",
            "--url http://127.0.0.1:9/ --streams 4|--streams only applies to h2c and grpc; http1 carries one request at a time per connection",
            "--protocol h2c --url http://127.0.0.1:9/ --streams 0|--streams: expected a whole number from 1 to 1000, got '0'",
    })
    void badProtocolOptionsGiveOneLineAndExitTwo(String args, String message) {
        List<String> all = new ArrayList<>(List.of(args.split(" ")));
        all.addAll(List.of("--duration", "1s"));
        BenchRunCommandTest.Run r = bench(all.toArray(String[]::new));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("ficus bench run: " + message + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }
}
