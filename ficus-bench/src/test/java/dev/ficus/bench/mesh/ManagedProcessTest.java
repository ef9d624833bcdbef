package dev.ficus.bench.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process the benchmark starts runs in a session of its own, under the PID the benchmark stops. */
class ManagedProcessTest {
    @Test
    void startsEachProcessInItsOwnSession(@TempDir Path dir) throws Exception {
        assumeThat(MeshBench.findTool("setsid")).as("setsid (util-linux) on PATH").isPresent();
        try (ManagedProcess p = ManagedProcess.start("sleeper", List.of("sh", "-c", "echo started; exec sleep 30"), dir)) {
            p.awaitLine("started", Duration.ofSeconds(10));
            // field 6 of /proc/PID/stat is the session id: the process leads a session, unlike this JVM's children
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertThat(Long.parseLong(after[3])).as("session id").isEqualTo(p.pid());
            String self = Files.readString(Path.of("/proc/self/stat"));
            assertThat(after[3]).isNotEqualTo(self.substring(self.lastIndexOf(')') + 2).split(" ")[3]);
            assertThat(p.alive()).isTrue();
        }
    }
}
