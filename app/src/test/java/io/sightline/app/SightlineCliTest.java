package io.sightline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SightlineCliTest {

    /** Every command and subcommand, as a user types it: --help prints its usage and exits 0. */
    @Test
    void everyCommandAnswersHelp() {
        java.util.List<java.util.List<String>> paths = new java.util.ArrayList<>();
        collect(new picocli.CommandLine(new SightlineCli()), new java.util.ArrayList<>(), paths);
        assertThat(paths).extracting(p -> String.join(" ", p)).contains("bench ingest", "bench rebuild", "demo ingest", "export",
                "verify-export", "edge", "detect");
        for (java.util.List<String> path : paths) {
            java.util.List<String> args = new java.util.ArrayList<>(path);
            args.add("--help");
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertThat(r.exit()).as("%s --help: %s", path, r.err()).isZero();
            assertThat(r.out()).as("%s --help", path).contains("Usage: sightline " + String.join(" ", path));
        }
    }

    private static void collect(picocli.CommandLine cmd, java.util.List<String> prefix, java.util.List<java.util.List<String>> out) {
        for (java.util.Map.Entry<String, picocli.CommandLine> sub : cmd.getSubcommands().entrySet()) {
            if (sub.getKey().equals("help")) {
                continue;
            }
            java.util.List<String> path = new java.util.ArrayList<>(prefix);
            path.add(sub.getKey());
            out.add(path);
            collect(sub.getValue(), path, out);
        }
    }

    @Test
    void errorMessagesAreOneLineEvenWhenALibraryFramesThem() {
        String framed = "\n--------------------------------\nUnable to obtain connection from database: refused\n---------\nSQL State: 08001\n";
        assertThat(SightlineCli.rootMessage(new IllegalStateException(framed)))
                .isEqualTo("Unable to obtain connection from database: refused");
        assertThat(SightlineCli.rootMessage(new IllegalStateException((String) null))).isEqualTo("IllegalStateException");
    }

    @Test
    void versionPrintsTheBuildVersion() {
        CliRun r = CliRun.of("version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("sightline 0.1.0").doesNotContain("${");
    }

    @Test
    void helpListsTheCommands() {
        CliRun r = CliRun.of("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("version", "demo", "bench");
    }

    @Test
    void badArgumentsExitNonZeroWithOneClearLineAndNoStackTrace() {
        CliRun r = CliRun.of("demo", "ingest", "--events", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("sightline: error: --events must be >= 3").doesNotContain("\tat ");
        CliRun unknown = CliRun.of("frobnicate");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("frobnicate");
    }

    @Test
    void aJournalSyncIntervalOutsideZeroToOneSecondIsRefusedWithOneClearLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        CliRun edge = CliRun.of("edge", "--journal-sync-ms", "-5", "--edge-dir", dir.toString(), "--cloud-url", "http://127.0.0.1:9");
        assertThat(edge.exit()).isNotZero();
        assertThat(edge.err()).contains("--journal-sync-ms must be 0 (every frame) to 1000, got -5").doesNotContain("\tat ");
        CliRun bench = CliRun.of("bench-pipeline", "--journal-sync-ms", "5000");
        assertThat(bench.exit()).isNotZero();
        assertThat(bench.err()).contains("--journal-sync-ms must be 0 to 1000, got 5000").doesNotContain("\tat ");
    }

    @Test
    void benchPipelineRefusesANegativeWarmUpOrNoRealTimeRunWithOneClearLine() {
        CliRun warm = CliRun.of("bench-pipeline", "--warm-up-runs", "-1");
        assertThat(warm.exit()).isNotZero();
        assertThat(warm.err()).contains("--warm-up-runs must be 0 or more, got -1").doesNotContain("\tat ");
        CliRun realtime = CliRun.of("bench-pipeline", "--realtime-runs", "0");
        assertThat(realtime.exit()).isNotZero();
        assertThat(realtime.err()).contains("--realtime-runs must be 1 or more, got 0").doesNotContain("\tat ");
        CliRun nice = CliRun.of("bench-pipeline", "--detector-nice", "-21");
        assertThat(nice.exit()).isNotZero();
        assertThat(nice.err()).contains("--detector-nice must be -20 to 19, got -21").doesNotContain("\tat ");
        CliRun pairs = CliRun.of("bench-pipeline", "--ratio-pairs", "0");
        assertThat(pairs.exit()).isNotZero();
        assertThat(pairs.err()).contains("--ratio-pairs must be 1 or more, got 0").doesNotContain("\tat ");
    }

    @Test
    void anUnknownEvidenceFormIsRefusedByEdgeRunAndBenchWithOneClearLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        for (CliRun r : java.util.List.of(
                CliRun.of("edge", "--evidence-form", "mpeg", "--edge-dir", dir.toString(), "--cloud-url", "http://127.0.0.1:9"),
                CliRun.of("bench-pipeline", "--evidence-form", "mpeg"))) {
            assertThat(r.exit()).isNotZero();
            assertThat(r.err()).contains("--evidence-form must be 'clip'").contains("or 'jpeg'").contains("got 'mpeg'")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void verifyExportAcceptsAnIntactFileAndNamesTheFirstBadRecordOtherwise(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.security.KeyPair key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        io.sightline.domain.audit.AuditChain.Writer w = new io.sightline.domain.audit.AuditChain.Writer();
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lines.add(w.record(io.sightline.domain.audit.AuditChain.mapper().createObjectNode().put("alertId", "a" + i)));
        }
        lines.add(w.manifest(java.util.Map.of("fleetId", "f"), 1L, key.getPublic(), key.getPrivate()));
        java.nio.file.Path good = dir.resolve("good.ndjson");
        java.nio.file.Files.write(good, lines);
        CliRun ok = CliRun.of("verify-export", good.toString());
        assertThat(ok.exit()).isZero();
        assertThat(ok.out()).contains("is intact: 3 record(s)").contains("fingerprint");

        lines.set(1, lines.get(1).replace("\"a1\"", "\"zz\""));
        java.nio.file.Path bad = dir.resolve("bad.ndjson");
        java.nio.file.Files.write(bad, lines);
        CliRun failed = CliRun.of("verify-export", bad.toString());
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.err()).contains("FAILED verification at line 2").contains("record 1 (line 2) was altered");

        CliRun missing = CliRun.of("verify-export", dir.resolve("nope.ndjson").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no such export file");
    }

    @Test
    void tokenMintsAJwtTheCloudsDecoderAcceptsWithTheRoleAndFleet(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String secret = "provisioning-test-secret-0123456789abcdef";
        java.nio.file.Path file = dir.resolve("secret");
        java.nio.file.Files.writeString(file, secret + "\n");
        CliRun r = CliRun.of("token", "--role", "admin", "--fleet", "fleet-x", "--minutes", "5", "--secret-file", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        var decoder = org.springframework.security.oauth2.jwt.NimbusJwtDecoder.withSecretKey(
                new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256")).build();
        var jwt = decoder.decode(r.out().strip());
        assertThat(jwt.getClaimAsString("fleet")).isEqualTo("fleet-x");
        assertThat(jwt.getClaimAsStringList("roles")).containsExactly("admin");

        java.nio.file.Files.writeString(file, "short");
        CliRun weak = CliRun.of("token", "--role", "admin", "--fleet", "fleet-x", "--secret-file", file.toString());
        assertThat(weak.exit()).isEqualTo(1);
        assertThat(weak.err()).contains("at least 32 bytes");
        CliRun badRole = CliRun.of("token", "--role", "root", "--fleet", "fleet-x", "--secret-file", file.toString());
        assertThat(badRole.err()).contains("--role must be one of");
    }
}
