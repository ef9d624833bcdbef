package dev.ficus.api.cel;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The filter subset on examples: what it accepts, what it evaluates to, and how it refuses the rest. */
class CelTest {

    /** A request with a few attributes and headers; everything else absent. */
    record Request(int code, String path, Map<String, String> headers, long durationNanos, boolean mtls) {
    }

    static final CelActivation<Request> ACTIVATION = new CelActivation<>() {
        @Override public String string(Request r, CelAttribute a) {
            return switch (a) {
                case REQUEST_PATH -> r.path();
                case REQUEST_URL_PATH -> r.path().contains("?") ? r.path().substring(0, r.path().indexOf('?')) : r.path();
                case REQUEST_METHOD -> "GET";
                default -> null;
            };
        }

        @Override public long number(Request r, CelAttribute a) {
            return switch (a) {
                case RESPONSE_CODE -> r.code();
                case REQUEST_DURATION -> r.durationNanos();
                default -> ABSENT;
            };
        }

        @Override public boolean bool(Request r, CelAttribute a) { return r.mtls(); }

        @Override public String header(Request r, String name) { return r.headers().get(name.toLowerCase(java.util.Locale.ROOT)); }
    };

    static boolean eval(String filter, Request r) {
        return CelFilter.compile(filter).test(ACTIVATION, r);
    }

    static final Request OK = new Request(200, "/api/items?page=2", Map.of("x-user", "jason"), 5_000_000, false);
    static final Request ERROR = new Request(503, "/health", Map.of(), 1_500_000_000L, true);

    @ParameterizedTest
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
            "response.code >= 400                                   ; false ; true",
            "response.code == 200 || response.code == 503           ; true  ; true",
            "response.code in [500, 502, 503]                        ; false ; true",
            "!(response.code < 400)                                  ; false ; true",
            "request.url_path == '/api/items'                        ; true  ; false",
            "request.path.startsWith(\"/api\") && connection.mtls    ; false ; false",
            "request.path.endsWith('=2') || request.path.contains('ealt') ; true ; true",
            "request.headers['X-User'] == 'jason'                    ; true  ; false",
            "'x-user' in request.headers                             ; true  ; false",
            "request.duration > duration('1s')                       ; false ; true",
            "request.method in ['GET', 'HEAD'] && response.code != 0x1F4 ; true ; true",
            "connection.mtls == true                                 ; false ; true",
            // absent values are errors: a comparison with one is false, || absorbs it, ! keeps it
            "request.headers['x-user'] != 'bob'                      ; true  ; false",
            "request.headers['x-user'] != 'bob' || response.code > 500 ; true ; true",
            "!(request.id == 'x')                                    ; false ; false",
            "response.grpc_status == 0 || true                       ; true  ; true",
            "false && response.grpc_status == 0                      ; false ; false",
    })
    void evaluatesOnTwoRequests(String filter, boolean onOk, boolean onError) {
        assertThat(eval(filter, OK)).as(filter + " on a 200").isEqualTo(onOk);
        assertThat(eval(filter, ERROR)).as(filter + " on a 503").isEqualTo(onError);
    }

    @Test
    void printsWithTheFewestParentheses() {
        assertThat(Cel.print(Cel.parse("((response.code >= 400)) && (request.path == 'a' || connection.mtls)")))
                .isEqualTo("response.code >= 400 && (request.path == \"a\" || connection.mtls)");
        assertThat(Cel.print(Cel.parse("!(!connection.mtls) == (true == false)"))).isEqualTo("!!connection.mtls == (true == false)");
        assertThat(Cel.print(Cel.parse("'a\\n\\x01' in request.headers"))).isEqualTo("\"a\\n\\x01\" in request.headers");
        assertThat(Cel.parse("response.code == -9223372036854775808")).isEqualTo(new CelExpr.Compare(CelExpr.Compare.Op.EQ,
                new CelExpr.Attr(CelAttribute.RESPONSE_CODE), new CelExpr.IntLit(Long.MIN_VALUE)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
            "response.code >= '400'            ; 15 ; operator >= cannot compare an int with a string; write 400 without quotes",
            "response.cod >= 400               ; 1  ; unknown attribute 'response.cod'; ficus filters on response.code, response.grpc_status, response.size",
            "response.flags != 0               ; 1  ; unknown attribute 'response.flags'",
            "response.code + 1 > 400           ; 15 ; arithmetic (+) is not supported",
            "response.code                     ; 1  ; the filter must be a condition (true or false), not an int",
            "response.code >= 400 ? true : false ; 22 ; the conditional operator ?: is not supported",
            "request.path.matches('^/api')     ; 14 ; function 'matches' is not supported",
            "size(request.path) > 3            ; 1  ; function 'size' is not supported",
            "request.headers == 'x'            ; 1  ; request.headers is a map",
            "request.headers.x_user == 'a'     ; 1  ; write request.headers['x_user'] to read a header",
            "request.duration > 1000           ; 18 ; compare durations with duration('...')",
            "response.code = 200               ; 15 ; write == to compare",
            "response.code >= 4.5              ; 18 ; floating-point numbers are not supported",
            "response.code >= 400u             ; 18 ; unsigned literals are not supported",
            "request.path == 'abc              ; 17 ; unterminated string",
            "response.code in 400              ; 15 ; 'in' needs a list literal",
            "response.code in [400, '500']     ; 24 ; this list item is a string but the value tested is an int",
            "(response.code >= 400             ; 22 ; expected ')', got the end of the expression",
            "response.code >= 400 &&           ; 24 ; expected a value",
            "response.code > 400 && request.path ; 21 ; operator && needs conditions on both sides, not a string",
            "duration('soon') < request.duration ; 10 ; invalid duration 'soon'",
            "request.headers[request.path] == 'a' ; 17 ; a header name must be a string literal",
            "{'a': 1}                          ; 1  ; map literals are not supported",
            "request.path == null              ; 17 ; null is not supported",
            "''                                ; 1  ; the filter must be a condition",
            "                                  ; 1  ; empty expression",
    })
    void refusesWhatFicusCannotEvaluateWithAColumn(String filter, int column, String reason) {
        String f = filter == null ? "" : filter;
        assertThatThrownBy(() -> Cel.parse(f)).isInstanceOfSatisfying(CelParseException.class, e -> {
            assertThat(e.reason()).contains(reason);
            assertThat(e.column()).as(e.getMessage()).isEqualTo(column);
        });
    }
}
