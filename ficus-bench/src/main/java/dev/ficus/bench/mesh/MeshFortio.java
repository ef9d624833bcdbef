package dev.ficus.bench.mesh;

import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.report.FortioReport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The runs of a {@code ficus bench mesh} as Fortio results: one JSON file per scenario, round and
 * pass, in one directory — the shape Fortio's own report server browses ({@code fortio report
 * -data-dir DIR}) and other Fortio tools read. Each file's {@code Labels} names the scenario,
 * round and pass.
 */
public final class MeshFortio {
    private MeshFortio() {
    }

    /** Writes the files into {@code dir} (created when missing); returns their paths in run order. */
    public static List<Path> write(MeshReport report, Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (ScenarioRun r : report.runs()) {
            for (String pass : List.of("at_rate", "max")) {
                LoadResult lr = pass.equals("max") ? r.max() : r.atRate();
                String labels = "ficus bench mesh " + r.scenario().label() + " round " + r.round() + " " + pass;
                Path file = dir.resolve(fileName(r, pass));
                Files.writeString(file, FortioReport.toJson(lr, labels, version) + "\n", StandardCharsets.UTF_8);
                written.add(file);
            }
        }
        return written;
    }

    /** {@code <scenario>_r<round>_<pass>.json}: sorted by name, a scenario's runs sit together. */
    static String fileName(ScenarioRun r, String pass) {
        return r.scenario().label() + "_r" + r.round() + "_" + pass + ".json";
    }
}
