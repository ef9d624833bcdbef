package dev.ficus.bench.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mesh runs as a directory of Fortio results, one per scenario, round and pass. */
class MeshFortioTest {

    @Test
    void oneFortioResultPerScenarioRoundAndPass(@TempDir Path dir) throws Exception {
        MeshReport report = HtmlReportTest.report();
        List<Path> files = MeshFortio.write(report, dir.resolve("fortio"), "0.1.0");
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
                "direct_r1_at_rate.json", "direct_r1_max.json", "direct_r2_at_rate.json", "direct_r2_max.json",
                "ficus-2hop-mtls_r1_at_rate.json", "ficus-2hop-mtls_r1_max.json", "ficus-2hop-mtls_r2_at_rate.json", "ficus-2hop-mtls_r2_max.json");
        JsonObject json = JsonParser.parseString(Files.readString(dir.resolve("fortio/ficus-2hop-mtls_r2_max.json"))).getAsJsonObject();
        assertThat(json.get("RunType").getAsString()).isEqualTo("HTTP");
        assertThat(json.get("Labels").getAsString()).isEqualTo("ficus bench mesh ficus-2hop-mtls round 2 max");
        assertThat(json.get("Version").getAsString()).isEqualTo("0.1.0");
        assertThat(json.keySet()).contains("DurationHistogram", "RetCodes", "ActualQPS", "StartTime");
        assertThat(json.getAsJsonObject("RetCodes").get("200").getAsLong()).isEqualTo(5500);
        assertThat(json.getAsJsonObject("DurationHistogram").get("Count").getAsLong()).isEqualTo(5500);
    }
}
