package io.sightline.runtime.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.inference.SessionConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vehicle that cannot reach the cloud (issue 17 §5, a vehicle offline) starts on the model it was given. */
class StartupAssignmentTest {

    @Test
    void aCloudThatRefusesTheConnectionLeavesTheConfiguredModel(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        StartupAssignment a = StartupAssignment.follow(URI.create("http://127.0.0.1:" + closedPort), "fleet", "veh", () -> "token", Map.of(),
                dir.resolve("models"), new SessionConfig(1, 1, "ALL_OPT"));
        assertThat(a.assigned()).isEmpty();
        assertThat(a.refusals()).isEmpty();
        assertThat(a.note()).isEqualTo("assignment not read (ConnectException); running the configured model");
    }
}
