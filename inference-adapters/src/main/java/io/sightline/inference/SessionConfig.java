package io.sightline.inference;

/**
 * ONNX Runtime session options.
 *
 * @param intraOpThreads threads inside one operator (1 is the measured sweet spot on 2 cores when
 *                       two workers share a session; 2 spins)
 * @param interOpThreads threads across operators
 * @param optimisation   one of {@code NO_OPT, BASIC_OPT, EXTENDED_OPT, ALL_OPT}
 */
public record SessionConfig(int intraOpThreads, int interOpThreads, String optimisation) {
    public SessionConfig {
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0 (0 = ORT default)");
        }
        if (optimisation == null) {
            optimisation = "ALL_OPT";
        }
    }

    public static SessionConfig defaults() {
        return new SessionConfig(1, 1, "ALL_OPT");
    }
}
