package io.sightline.edge.mot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MotCsvTest {

    @TempDir
    Path dir;

    @Test
    void readsCommaAndWhitespaceSeparatedRowsAndSkipsBlankLines() throws IOException {
        Path f = dir.resolve("mixed.txt");
        Files.writeString(f, "1,3,10.5,20,30,40,0.9,-1,-1,-1\n\n2 4 1 2 3 4\n3.0,5,1,2,3,4,0\n");
        List<MotRow> rows = MotCsv.read(f);
        assertThat(rows).containsExactly(
                new MotRow(1, 3, 10.5, 20, 30, 40, 0.9),
                new MotRow(2, 4, 1, 2, 3, 4, 1.0),
                new MotRow(3, 5, 1, 2, 3, 4, 0.0));
    }

    @Test
    void writeThenReadRoundTrips() throws IOException {
        Path f = dir.resolve("res.txt");
        List<MotRow> rows = List.of(new MotRow(1, 1, 10.25, 20, 30.5, 40, -1),
                new MotRow(7, 12, 0, 0.75, 1, 2, -1));
        MotCsv.write(f, rows);
        assertThat(Files.readAllLines(f)).containsExactly("1,1,10.25,20,30.50,40,-1,-1,-1,-1",
                "7,12,0,0.75,1,2,-1,-1,-1,-1");
        assertThat(MotCsv.read(f)).isEqualTo(rows);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1,2,3,4,5         | expected at least 6 fields",
        "1,x,3,4,5,6       | id is not a number: 'x'",
        "1,2.5,3,4,5,6     | id must be a whole number: '2.5'",
        "0,2,3,4,5,6       | frame must be >= 1",
        "1,2,3,4,-5,6      | negative box size -5x6",
        "1,2,3,4,5,NaN     | height is not finite",
        "1,2,3,4,5,6,abc   | conf is not a number: 'abc'",
    })
    void malformedLineNamesFileLineAndProblem(String badLine, String problem) throws IOException {
        Path f = dir.resolve("bad.txt");
        Files.writeString(f, "1,1,1,1,1,1,1\n\n" + badLine + "\n2,1,1,1,1,1,1\n");
        assertThatThrownBy(() -> MotCsv.read(f))
                .isInstanceOf(MotFormatException.class)
                .hasMessageStartingWith(f + ":3: ")
                .hasMessageContaining(problem)
                .satisfies(e -> {
                    MotFormatException m = (MotFormatException) e;
                    assertThat(m.file()).isEqualTo(f);
                    assertThat(m.lineNumber()).isEqualTo(3);
                });
    }
}
