package dev.ficus.proxy.telemetry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.telemetry.trace.TraceHeaders.Context;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;

/** The trace-context codecs: what they write they read back, and hostile values are ignored, never thrown on. */
class TraceHeadersTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN = "00f067aa0ba902b7";

    static Context parsedTraceparent(String v) {
        Context c = new Context();
        return TraceHeaders.parseTraceparent(v, c) ? c : null;
    }

    static Context parsedB3(String v) {
        Context c = new Context();
        return TraceHeaders.parseB3(v, c) ? c : null;
    }

    // ---- W3C

    @Property
    void aWrittenTraceparentReadsBack(@ForAll long hi, @ForAll long lo, @ForAll long span, @ForAll boolean sampled) {
        Assume.that((hi | lo) != 0 && span != 0);
        String v = TraceHeaders.traceparent(hi, lo, span, sampled).toString();
        assertThat(v).hasSize(55).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
        Context c = parsedTraceparent(v);
        assertThat(c).isNotNull();
        assertThat(c.traceHigh).isEqualTo(hi);
        assertThat(c.traceLow).isEqualTo(lo);
        assertThat(c.spanId).isEqualTo(span);
        assertThat(c.sampling).isEqualTo(sampled ? TraceHeaders.SAMPLED : TraceHeaders.NOT_SAMPLED);
        assertThat(TraceHeaders.traceIdString(hi, lo)).isEqualTo(v.substring(3, 35));
    }

    @Property
    void anyStringIsReadOrIgnoredWithoutThrowing(@ForAll String v) {
        Context c = new Context();
        c.traceLow = 42;
        boolean ok = TraceHeaders.parseTraceparent(v, c);
        if (!ok) assertThat(c.traceLow).as("a failed parse leaves the target alone").isEqualTo(42);
        else assertThat(c.spanId).isNotZero();
    }

    /** One character of a valid header changed: either still a valid header with the same shape, or ignored. */
    @Property
    void aCorruptedTraceparentIsIgnoredOrStillValid(@ForAll("positions") int at, @ForAll char ch) {
        String valid = "00-" + TRACE + "-" + SPAN + "-01";
        String v = valid.substring(0, at) + ch + valid.substring(at + 1);
        Context c = parsedTraceparent(v);
        if (c != null) {
            assertThat(v).matches("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
            assertThat(TraceHeaders.traceIdString(c.traceHigh, c.traceLow)).isEqualTo(v.substring(3, 35));
        }
    }

    @Provide
    Arbitrary<Integer> positions() { return Arbitraries.integers().between(0, 54); }

    @Property
    void truncatedOrExtendedVersion00IsIgnored(@ForAll @StringLength(min = 1, max = 8) @CharRange(from = '0', to = 'f') String extra) {
        String valid = "00-" + TRACE + "-" + SPAN + "-01";
        assertThat(parsedTraceparent(valid + extra)).isNull();
        assertThat(parsedTraceparent(valid.substring(0, 55 - Math.min(extra.length(), 54)))).isNull();
    }

    @Example
    void theSpecificationsRulesHold() {
        assertThat(parsedTraceparent("00-" + TRACE + "-" + SPAN + "-01")).isNotNull();
        assertThat(parsedTraceparent("00-" + TRACE.toUpperCase() + "-" + SPAN + "-01")).as("upper case").isNull();
        assertThat(parsedTraceparent("00-" + "0".repeat(32) + "-" + SPAN + "-01")).as("all-zero trace id").isNull();
        assertThat(parsedTraceparent("00-" + TRACE + "-" + "0".repeat(16) + "-01")).as("all-zero span id").isNull();
        assertThat(parsedTraceparent("ff-" + TRACE + "-" + SPAN + "-01")).as("version ff").isNull();
        assertThat(parsedTraceparent("01-" + TRACE + "-" + SPAN + "-01-more")).as("a later version may add fields").isNotNull();
        assertThat(parsedTraceparent("01-" + TRACE + "-" + SPAN + "-01more")).isNull();
        assertThat(parsedTraceparent("00-" + TRACE + "-" + SPAN + "-02").sampling).as("only bit 0 samples").isEqualTo(TraceHeaders.NOT_SAMPLED);
        assertThat(parsedTraceparent(null)).isNull();
    }

    // ---- B3

    @Property
    void aWrittenSingleB3ReadsBack(@ForAll long hi, @ForAll long lo, @ForAll long span, @ForAll boolean sampled, @ForAll boolean debug, @ForAll long parent) {
        Assume.that((hi | lo) != 0 && span != 0);
        String v = TraceHeaders.b3(hi, lo, span, sampled, debug, parent).toString();
        Context c = parsedB3(v);
        assertThat(c).as(v).isNotNull();
        assertThat(c.traceHigh).isEqualTo(hi);
        assertThat(c.traceLow).isEqualTo(lo);
        assertThat(c.spanId).isEqualTo(span);
        assertThat(c.debug).isEqualTo(debug);
        assertThat(c.sampling).isEqualTo(sampled || debug ? TraceHeaders.SAMPLED : TraceHeaders.NOT_SAMPLED);
        assertThat(v.length()).isEqualTo((hi == 0 ? 16 : 32) + 19 + (parent != 0 ? 17 : 0));
    }

    @Property
    void writtenMultiB3HeadersReadBack(@ForAll long hi, @ForAll long lo, @ForAll long span) {
        Assume.that((hi | lo) != 0 && span != 0);
        Context c = new Context();
        assertThat(TraceHeaders.parseB3Multi(TraceHeaders.b3TraceId(hi, lo), TraceHeaders.hex16(span), "1", null, c)).isTrue();
        assertThat(c.traceHigh).isEqualTo(hi);
        assertThat(c.traceLow).isEqualTo(lo);
        assertThat(c.spanId).isEqualTo(span);
        assertThat(c.sampling).isEqualTo(TraceHeaders.SAMPLED);
    }

    @Property
    void anyB3ValuesAreReadOrIgnoredWithoutThrowing(@ForAll String single, @ForAll String trace, @ForAll String span, @ForAll String sampled, @ForAll String flags) {
        Context c = new Context();
        if (TraceHeaders.parseB3(single, c) && c.hasIds()) assertThat(c.traceHigh | c.traceLow).isNotZero();
        Context m = new Context();
        if (TraceHeaders.parseB3Multi(trace, span, sampled, flags, m) && m.hasIds()) assertThat(m.traceHigh | m.traceLow).isNotZero();
    }

    @Property
    void aCorruptedSingleB3IsIgnoredOrStillWellFormed(@ForAll("b3Positions") int at, @ForAll char ch) {
        String valid = TRACE + "-" + SPAN + "-1-" + SPAN;
        String v = valid.substring(0, at) + ch + valid.substring(at + 1);
        if (parsedB3(v) != null) assertThat(v).matches("(?i)[0-9a-f]{32}-[0-9a-f]{16}-[01d]-[0-9a-f]{16}");
    }

    @Provide
    Arbitrary<Integer> b3Positions() { return Arbitraries.integers().between(0, TRACE.length() + 35); }

    @Example
    void b3Forms() {
        Context c = parsedB3("0");
        assertThat(c.hasIds()).isFalse();
        assertThat(c.sampling).as("a bare deny").isEqualTo(TraceHeaders.NOT_SAMPLED);
        assertThat(parsedB3("d").debug).isTrue();
        assertThat(parsedB3(SPAN + "-" + SPAN).sampling).as("the receiver decides").isEqualTo(TraceHeaders.UNDECIDED);
        assertThat(parsedB3(SPAN + "-" + SPAN).traceHigh).as("64-bit trace id").isZero();
        assertThat(parsedB3(TRACE + "-" + SPAN + "-1")).isNotNull();
        assertThat(parsedB3(TRACE + "-" + SPAN + "-")).isNull();
        assertThat(parsedB3(TRACE + "-" + SPAN + "-x")).isNull();
        assertThat(parsedB3(TRACE + "-" + SPAN + "-1-")).isNull();
        assertThat(parsedB3(TRACE + "-" + SPAN + "-1-" + SPAN + "0")).isNull();
        assertThat(parsedB3(TRACE.substring(1) + "-" + SPAN)).as("31 digits").isNull();
        assertThat(parsedB3("")).isNull();

        Context m = new Context();
        assertThat(TraceHeaders.parseB3Multi(null, null, "0", null, m)).isTrue();
        assertThat(m.sampling).isEqualTo(TraceHeaders.NOT_SAMPLED);
        assertThat(TraceHeaders.parseB3Multi(null, null, null, "1", m)).isTrue();
        assertThat(m.debug).isTrue();
        assertThat(TraceHeaders.parseB3Multi(TRACE, null, "1", null, m)).as("a trace id without a span id").isFalse();
        assertThat(TraceHeaders.parseB3Multi(TRACE, SPAN, "true", null, m)).isTrue();
        assertThat(m.sampling).isEqualTo(TraceHeaders.SAMPLED);
        assertThat(TraceHeaders.parseB3Multi(TRACE, SPAN, "maybe", null, m)).isTrue();
        assertThat(m.sampling).as("an unknown decision leaves it to us").isEqualTo(TraceHeaders.UNDECIDED);
    }

    @Example
    void istioClusterNamesGiveTheSpanNamePort() {
        assertThat(FinishedSpan.portOf("outbound|9080|v1|reviews.shop.svc.cluster.local")).isEqualTo("9080");
        assertThat(FinishedSpan.portOf("inbound|8080||")).isEqualTo("8080");
        assertThat(FinishedSpan.portOf("legacy-orders")).isNull();
        assertThat(FinishedSpan.portOf("outbound||x|y")).isNull();
    }
}
