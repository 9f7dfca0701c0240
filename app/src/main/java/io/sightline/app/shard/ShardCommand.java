package io.sightline.app.shard;

import io.sightline.app.WrongSettingException;
import io.sightline.cloud.shard.ShardMap;
import io.sightline.cloud.shard.ShardMapFile;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./sightline shard}: the router of a fleet-sharded cloud, and moving a fleet between shards (ADR-0031). */
@Command(name = "shard", mixinStandardHelpOptions = true,
        description = "A fleet-sharded cloud (ADR-0031): each shard is a './sightline cloud --shard ID --shard-map FILE' with its own"
                + " PostgreSQL database; 'shard router' routes every request by fleet; 'shard move' moves a fleet to another shard.",
        subcommands = {ShardCommand.Router.class, ShardCommand.Move.class})
public final class ShardCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Path existingMap(Path map) {
        if (!Files.isRegularFile(map)) {
            throw new WrongSettingException("--map: no shard map at " + map.toAbsolutePath()
                    + " (a properties file: shard.<id>.url=..., shard.<id>.jdbc=..., fleet.<fleet>=<shard>; docs/deployment.md)");
        }
        try {
            ShardMap.load(map);
        } catch (IllegalArgumentException e) {
            throw new WrongSettingException(e.getMessage());
        }
        return map;
    }

    @Command(name = "router", mixinStandardHelpOptions = true,
            description = "Route every HTTP request to the shard of its fleet: the bearer token's fleet claim, or a device's"
                    + " /fleets/{fleet} URL prefix. Re-reads the map when it changes. Stops on SIGTERM or Ctrl-C.")
    static final class Router implements Callable<Integer> {

        @Option(names = "--map", required = true, paramLabel = "FILE", description = "The shard map (properties).")
        Path map;

        @Option(names = "--port", defaultValue = "8080", paramLabel = "N", description = "HTTP port (0 picks a free one; default ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--host", defaultValue = "0.0.0.0", paramLabel = "ADDRESS", description = "Address to listen on (default ${DEFAULT-VALUE}).")
        String host;

        @Override
        public Integer call() throws Exception {
            if (port < 0 || port > 65_535) {
                throw new WrongSettingException("--port must be 0..65535, got " + port);
            }
            ShardMapFile file = new ShardMapFile(existingMap(map));
            PrintStream out = System.out;
            CountDownLatch stop = new CountDownLatch(1);
            try (ShardRouter router = ShardRouter.start(file, host, port)) {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "shard-router-stop"));
                out.printf(Locale.ROOT, "sightline shard router: listening on http://%s:%d (health /router/health), map %s%n", host,
                        router.port(), file.path());
                out.print(ShardRouter.describe(file.current()));
                out.println("  devices       give each vehicle the cloud URL http://<router>/fleets/<its fleet>");
                out.flush();
                stop.await();
            }
            return 0;
        }
    }

    @Command(name = "move", mixinStandardHelpOptions = true,
            description = "Move a fleet to another shard by replaying its events there: freeze it (503 'retry later' everywhere),"
                    + " copy its events and device keys, point the map at the new shard, then delete it from the old one."
                    + " Database user and password: --jdbc-user, SPRING_DATASOURCE_USERNAME/PASSWORD.")
    static final class Move implements Callable<Integer> {

        @Option(names = "--map", required = true, paramLabel = "FILE", description = "The shard map (properties); rewritten by the move.")
        Path map;

        @Option(names = "--fleet", required = true, paramLabel = "FLEET")
        String fleet;

        @Option(names = "--to", required = true, paramLabel = "SHARD", description = "The shard to move it to.")
        String to;

        @Option(names = "--jdbc-user", paramLabel = "USER", description = "Default: SPRING_DATASOURCE_USERNAME, else postgres.")
        String user;

        @Option(names = "--drain-seconds", defaultValue = "2", paramLabel = "S",
                description = "After freezing, how long requests already inside the old shard may take (default ${DEFAULT-VALUE}).")
        double drainSeconds;

        @Option(names = "--device-key-cache-seconds", defaultValue = "30", paramLabel = "S",
                description = "The shards' sightline.ingest.device-key-cache-seconds: the fleet stays frozen this long after its device"
                        + " keys reach the new shard, so no device is refused there as unknown (default ${DEFAULT-VALUE}).")
        long deviceKeyCacheSeconds;

        @Override
        public Integer call() throws Exception {
            if (deviceKeyCacheSeconds < 0 || deviceKeyCacheSeconds > 3600) {
                throw new WrongSettingException("--device-key-cache-seconds must be 0..3600, got " + deviceKeyCacheSeconds);
            }
            if (drainSeconds < 0 || drainSeconds > 600) {
                throw new WrongSettingException("--drain-seconds must be 0..600, got " + drainSeconds);
            }
            String u = user != null ? user : System.getenv().getOrDefault("SPRING_DATASOURCE_USERNAME", "postgres");
            String password = System.getenv("SPRING_DATASOURCE_PASSWORD");
            long start = System.nanoTime();
            FleetMove.Report r;
            try {
                r = new FleetMove(existingMap(map), u, password, Duration.ofMillis((long) (drainSeconds * 1000)), Duration.ofSeconds(60),
                        Duration.ofSeconds(deviceKeyCacheSeconds), System.out).move(fleet, to);
            } catch (IllegalArgumentException e) {
                throw new WrongSettingException(e.getMessage());
            }
            System.out.printf(Locale.ROOT, "moved fleet %s from shard %s to %s in %.1f s%n", r.fleetId(), r.from(), r.to(),
                    (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }
}
