package io.sightline.edge.bench;

import io.sightline.edge.assign.LinearAssignment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * JMH benchmark of {@link LinearAssignment} on random dense square matrices (uniform costs in
 * [0, 1)), and with a cost limit as the tracker uses it (IoU-like costs, most pairs above the limit).
 * Several matrices rotate so that the branch predictor cannot learn one instance.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LinearAssignmentBench {

    private static final int MATRICES = 16;

    @Param({"20", "50"})
    int size;

    private double[][] uniform;
    private double[][] sparseOverlap;
    private LinearAssignment solver;
    private int[] rowToCol;
    private int[] colToRow;
    private int next;

    @Setup
    public void setUp() {
        Random rnd = new Random(1234);
        uniform = new double[MATRICES][size * size];
        sparseOverlap = new double[MATRICES][size * size];
        for (int m = 0; m < MATRICES; m++) {
            for (int k = 0; k < size * size; k++) {
                uniform[m][k] = rnd.nextDouble();
                // like 1 - IoU between tracks and detections: mostly no overlap (cost 1)
                sparseOverlap[m][k] = rnd.nextDouble() < 0.1 ? rnd.nextDouble() : 1.0;
            }
        }
        solver = new LinearAssignment(2 * size);
        rowToCol = new int[size];
        colToRow = new int[size];
    }

    @Benchmark
    public void solveDense(Blackhole bh) {
        double[] c = uniform[next++ & (MATRICES - 1)];
        bh.consume(solver.solve(c, size, size, rowToCol, colToRow));
    }

    @Benchmark
    public void solveWithCostLimit(Blackhole bh) {
        double[] c = sparseOverlap[next++ & (MATRICES - 1)];
        bh.consume(solver.solveWithLimit(c, size, size, 0.8, rowToCol, colToRow));
    }
}
