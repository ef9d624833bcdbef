package dev.ficus.bench.mesh;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The HTML report as a browser shows it: headless Chromium, with every network request sent to a
 * closed proxy port, opens the page from a file and a small probe appended to a copy of it reads
 * back what the browser laid out (each SVG plot's curves and bars with their rendered sizes, the
 * legend), the resources the page fetched (must be none) and any script error. The probe writes
 * its findings into the DOM, which {@code --dump-dom} prints when the page has loaded.
 *
 * <p>Chromium is required: without it this test fails and says how to install it
 * ({@code apt-get install -y chromium}; CI installs it).
 */
class HtmlReportBrowserTest {
    private static final long BROWSER_TIMEOUT_SECONDS = 90;

    @TempDir
    Path dir;

    @Test
    void chromiumDrawsEveryPlotOfAMeshReportOffline() throws Exception {
        MeshReport report = HtmlReportTest.report();
        String html = HtmlReport.render(report);
        // Nothing to fetch: no external script, style, image or font (the SVG namespace is a name, not a fetch).
        assertThat(html).doesNotContainPattern("(?i)(src|href)\\s*=").doesNotContainPattern("(?i)url\\(")
                .doesNotContainPattern("(?i)@import");
        Path page = dir.resolve("report.html");
        Files.writeString(page, html, StandardCharsets.UTF_8);

        // The page as written, then the same page with the probe: the first shows it loads by
        // itself without a console error, the second what was drawn.
        Browser plain = chromium(page);
        assertThat(plain.dom()).contains("<polyline").contains("ficus bench mesh");
        assertThat(consoleErrors(plain.log())).isEmpty();

        Path probed = dir.resolve("probed.html");
        Files.writeString(probed, withProbe(html), StandardCharsets.UTF_8);
        Browser b = chromium(probed);
        Matcher m = Pattern.compile("<pre id=\"ficus-render-check\">(.*?)</pre>", Pattern.DOTALL).matcher(b.dom());
        if (!m.find()) fail("the probe did not run; Chromium printed:%n%s%n%s", b.dom(), b.log());
        JsonObject check = JsonParser.parseString(m.group(1).replace("&quot;", "\"").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&amp;", "&")).getAsJsonObject();

        assertThat(check.getAsJsonArray("errors")).as("script errors").isEmpty();
        assertThat(check.getAsJsonArray("resources")).as("resources fetched").isEmpty();
        JsonArray svgs = check.getAsJsonArray("svgs");
        assertThat(svgs).as("plots: latency percentiles, throughput, CPU, memory").hasSize(4);

        // Latency by percentile: one curve per scenario over the whole nines axis, rising to the slow tail.
        JsonObject latency = svgs.get(0).getAsJsonObject();
        assertThat(latency.get("w").getAsDouble()).isGreaterThan(700);
        JsonArray curves = latency.getAsJsonArray("lines");
        assertThat(curves).hasSize(report.summaries().size());
        List<String> strokes = new ArrayList<>();
        for (JsonElement e : curves) {
            JsonObject c = e.getAsJsonObject();
            assertThat(c.get("n").getAsInt()).isEqualTo(HtmlReport.PERCENTILES.length);
            assertThat(c.get("w").getAsDouble()).as("curve width").isGreaterThan(400);
            assertThat(c.get("h").getAsDouble()).as("curve rise").isGreaterThan(20);
            strokes.add(c.get("stroke").getAsString());
        }
        assertThat(strokes).doesNotHaveDuplicates();
        assertThat(texts(latency)).contains("direct", "ficus-2hop-mtls", "p50", "p99.9");

        // Throughput, CPU and memory: a visible bar per scenario, labelled.
        for (int i = 1; i < 4; i++) {
            JsonObject bars = svgs.get(i).getAsJsonObject();
            assertThat(bars.getAsJsonArray("bars")).hasSize(report.summaries().size());
            for (JsonElement e : bars.getAsJsonArray("bars")) {
                assertThat(e.getAsJsonObject().get("w").getAsDouble()).as("bar width").isGreaterThan(1);
                assertThat(e.getAsJsonObject().get("h").getAsDouble()).as("bar height").isGreaterThan(10);
            }
            assertThat(texts(bars)).contains("direct", "ficus-2hop-mtls");
        }
        assertThat(consoleErrors(b.log())).isEmpty();
    }

    /** The page with an error trap first in the head and the probe last in the body. */
    static String withProbe(String html) {
        String trap = "<script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(String(e.message))});</script>";
        String probe = """
                <script>
                (function () {
                  var out = {errors: window.__errors, resources: performance.getEntriesByType('resource').map(function (r) { return r.name; }), svgs: []};
                  document.querySelectorAll('svg').forEach(function (svg) {
                    var r = svg.getBoundingClientRect();
                    var s = {w: r.width, h: r.height, lines: [], bars: [], texts: []};
                    svg.querySelectorAll('polyline').forEach(function (p) {
                      var b = p.getBBox();
                      s.lines.push({stroke: p.getAttribute('stroke'), n: p.points.numberOfItems, w: b.width, h: b.height});
                    });
                    svg.querySelectorAll('rect').forEach(function (p) { var b = p.getBBox(); s.bars.push({w: b.width, h: b.height}); });
                    svg.querySelectorAll('text').forEach(function (t) { s.texts.push(t.textContent); });
                    out.svgs.push(s);
                  });
                  var pre = document.createElement('pre');
                  pre.id = 'ficus-render-check';
                  pre.textContent = JSON.stringify(out);
                  document.body.appendChild(pre);
                })();
                </script>
                """;
        assertThat(html).contains("<head>").contains("</body>");
        return html.replace("<head>", "<head>" + trap).replace("</body>", probe + "</body>");
    }

    private static List<String> texts(JsonObject svg) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : svg.getAsJsonArray("texts")) out.add(e.getAsString());
        return out;
    }

    /** Console messages Chromium logged at error level, and uncaught exceptions. */
    static List<String> consoleErrors(String log) {
        List<String> out = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains(":ERROR:") || line.contains("Error"))) {
                out.add(line);
            }
        }
        return out;
    }

    record Browser(String dom, String log) {
    }

    /** Loads {@code page} in headless Chromium with the network pointed at a closed port; the DOM after load. */
    Browser chromium(Path page) throws IOException, InterruptedException {
        Path exe = find("chromium", "chromium-browser", "google-chrome", "google-chrome-stable").orElse(null);
        if (exe == null) {
            fail("Chromium is needed to test the HTML report and was not found on PATH: install it "
                    + "(apt-get install -y chromium; CI installs it)");
        }
        Path profile = Files.createTempDirectory(dir, "profile");
        Path out = dir.resolve(page.getFileName() + ".dom");
        Path log = dir.resolve(page.getFileName() + ".log");
        Process p = new ProcessBuilder(exe.toString(), "--headless=new", "--disable-gpu", "--no-sandbox",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--metrics-recording-only",
                "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", // nothing leaves the machine
                "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
                "--dump-dom", page.toUri().toString())
                .redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(BROWSER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("Chromium did not finish within %d s; its log:%n%s", BROWSER_TIMEOUT_SECONDS, Files.readString(log));
        }
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        String logText = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("chromium exit code; log:%n%s", logText).isZero();
        return new Browser(dom, logText);
    }

    private static Optional<Path> find(String... names) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            for (String n : names) {
                Path p = Path.of(d, n);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
