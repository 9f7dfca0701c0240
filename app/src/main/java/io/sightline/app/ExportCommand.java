package io.sightline.app;

import io.sightline.cloud.export.AuditExportService;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sightline export}: the audit export of one fleet and time range, written to a file. */
@Command(name = "export", description = "Write a tamper-evident audit export (NDJSON with a signed manifest, or a CSV summary).")
public class ExportCommand implements Callable<Integer> {

    @Option(names = "--fleet", required = true, description = "Fleet to export.")
    String fleet;
    @Option(names = "--from", required = true, description = "Start, epoch nanoseconds or ISO-8601 (inclusive).")
    String from;
    @Option(names = "--to", required = true, description = "End, epoch nanoseconds or ISO-8601 (exclusive).")
    String to;
    @Option(names = "--out", required = true, description = "Output file.")
    Path out;
    @Option(names = "--format", defaultValue = "ndjson", description = "ndjson (default) or csv.")
    String format;
    @Option(names = "--jdbc-url", description = "PostgreSQL to read; default: the embedded one.")
    String jdbcUrl;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("ndjson") && !format.equals("csv")) {
            throw new IllegalArgumentException("--format must be ndjson or csv, got '" + format + "'");
        }
        AuditExportService.Scope scope = new AuditExportService.Scope(fleet, io.sightline.cloud.export.AuditExportController.nanos("--from", from), io.sightline.cloud.export.AuditExportController.nanos("--to", to));
        try (ConfigurableApplicationContext ctx = CloudContext.start(jdbcUrl, "sightline.projections.enabled=false")) {
            AuditExportService exports = ctx.getBean(AuditExportService.class);
            Path tmp = out.resolveSibling(out.getFileName() + ".partial");
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                if (format.equals("csv")) {
                    exports.writeCsv(scope, os);
                } else {
                    int alerts = exports.writeNdjson(scope, os).size();
                    System.out.printf("exported %d alert(s) of fleet %s%n", alerts, fleet);
                }
            }
            // Only a complete export gets the final name: a crash never leaves a half file that looks whole.
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.println("wrote " + out.toAbsolutePath());
            if (format.equals("ndjson")) {
                System.out.println("verify with: ./sightline verify-export " + out);
            }
            return 0;
        }
    }
}
