package dev.ficus.cli;

import io.netty.util.internal.logging.InternalLogger;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class NettyLogTest {

    @Test
    void placeholdersAreFilledInOrderAndExtraOnesKept() {
        assertThat(NettyLog.format("a {} b {} c", 1, "two")).isEqualTo("a 1 b two c");
        assertThat(NettyLog.format("a {} b {}", 1)).isEqualTo("a 1 b {}");
        assertThat(NettyLog.format("no placeholder", 1)).isEqualTo("no placeholder");
        assertThat(NettyLog.format("{}{}", null, "x")).isEqualTo("nullx");
        assertThat(NettyLog.format(null)).isEqualTo("null");
    }

    @Test
    void aTrailingThrowableIsTheCauseNotAnArgument() {
        assertThat(NettyLog.format("failed {}", new IllegalStateException("boom"))).isEqualTo("failed {}");
        assertThat(NettyLog.format("failed {} on {}", "x", new IllegalStateException("boom"))).isEqualTo("failed x on {}");
    }

    @Test
    void warningsAreOneLineInFicusFormatAndDebugIsOff() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NettyLog factory = new NettyLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        InternalLogger log = factory.newInstance("io.netty.channel.DefaultChannelPipeline");
        log.debug("not shown {}", 1);
        log.trace("not shown");
        log.warn("An exceptionCaught() event was fired, and it reached the tail of the pipeline", new java.io.IOException("reset"));
        log.info("{} connections", 3);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z warn netty: DefaultChannelPipeline: An exceptionCaught\\(\\) event .*: java.io.IOException: reset");
        assertThat(lines[1]).endsWith(" info netty: DefaultChannelPipeline: 3 connections");
        assertThat(log.isDebugEnabled()).isFalse();
        assertThat(log.isWarnEnabled()).isTrue();
    }

    @Test
    void stackTracesOnlyWhenAskedFor() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        InternalLogger log = new NettyLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), true).newInstance("x.Y");
        log.error("failed", new IllegalStateException("boom"));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("error netty: Y: failed: java.lang.IllegalStateException: boom")
                .contains("\tat dev.ficus.cli.NettyLogTest");
    }
}
