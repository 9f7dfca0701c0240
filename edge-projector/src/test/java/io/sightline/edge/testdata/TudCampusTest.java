package io.sightline.edge.testdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class TudCampusTest {

    @Test
    void missingDataFailsLoudlyInsteadOfSkipping() {
        assertThatThrownBy(() -> TudCampus.file("no-such-file.txt"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no-such-file.txt")
                .hasMessageContaining("src/test/resources/mot/TUD-Campus");
    }

    @Test
    void bundledFilesAreFound() {
        assertThat(Files.isRegularFile(TudCampus.gt())).isTrue();
        assertThat(Files.isRegularFile(TudCampus.test())).isTrue();
        assertThat(Files.isRegularFile(TudCampus.det())).isTrue();
    }
}
