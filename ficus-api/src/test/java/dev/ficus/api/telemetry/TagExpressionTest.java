package dev.ficus.api.telemetry;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TagExpressionTest {
    @Test
    void takesLiteralsRequestAttributesAndHeaders() {
        assertThat(TagExpression.parse("'payments'")).contains(new TagExpression.Literal("payments"));
        assertThat(TagExpression.parse(" \"v2\" ")).contains(new TagExpression.Literal("v2"));
        assertThat(TagExpression.parse("request.host")).contains(new TagExpression.Attribute("host"));
        assertThat(TagExpression.parse("request.url_path")).contains(new TagExpression.Attribute("url_path"));
        assertThat(TagExpression.parse("request.headers['X-Tenant']")).contains(new TagExpression.Header("x-tenant"));
        assertThat(TagExpression.parse("request.headers[\"x-user\"]")).contains(new TagExpression.Header("x-user"));
    }

    @Test
    void refusesWhatTheProxyDoesNotEvaluate() {
        assertThat(TagExpression.parse("string(destination.port)")).isEmpty();
        assertThat(TagExpression.parse("request.headers['a b']")).isEmpty();
        assertThat(TagExpression.parse("request.headers[x]")).isEmpty();
        assertThat(TagExpression.parse("'it\\'s'")).isEmpty();
        assertThat(TagExpression.parse("upstream_peer.labels['app'].value")).isEmpty();
        assertThat(TagExpression.parseOrUnknown("response.code")).isEqualTo(new TagExpression.Literal("unknown"));
    }

    @Property
    void neverThrowsAndWhatItTakesItWritesBackTheSame(@ForAll String any) {
        TagExpression.parse(any).ifPresent(t -> assertThat(TagExpression.parse(t.text())).contains(t));
    }
}
