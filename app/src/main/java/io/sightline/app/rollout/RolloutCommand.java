package io.sightline.app.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.CloudClient;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./sightline rollout start|status|trace|halt|resume|rollback} (issue 17 §4, ADR-0026): the
 * cloud's {@code /api/v1/rollouts} from the command line, for the token's fleet.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = "Start, watch and control rollouts of registered model and policy versions (docs/rollouts.md).",
        subcommands = {RolloutCommand.Start.class, RolloutCommand.Status.class, RolloutCommand.Trace.class, RolloutCommand.Halt.class,
                RolloutCommand.Resume.class, RolloutCommand.Rollback.class})
public final class RolloutCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    abstract static class Remote implements Callable<Integer> {

        @Option(names = "--cloud-url", required = true, paramLabel = "URL", description = "The cloud, e.g. http://localhost:8080.")
        String cloudUrl;

        @Option(names = "--token-file", paramLabel = "FILE",
                description = "A file holding a bearer token (else " + CloudClient.TOKEN_ENV
                        + "): admin to act; investigator, auditor or admin to read.")
        Path tokenFile;

        JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
            return new CloudClient(cloudUrl, tokenFile, "admin", "acting on a rollout needs an admin token")
                    .call(method, path, body, Duration.ofMinutes(2));
        }

        static String path(String rolloutId, String tail) {
            return "api/v1/rollouts/" + URLEncoder.encode(rolloutId, StandardCharsets.UTF_8) + tail;
        }
    }

    static void printRollout(JsonNode r) {
        System.out.printf(Locale.ROOT, "rollout %s  fleet %s  %s  step %d of %d%n", r.get("rolloutId").asText(), r.get("fleetId").asText(),
                r.get("state").asText(), r.get("stepIndex").asInt(), r.get("steps").size());
        JsonNode plan = r.get("plan");
        System.out.println("  champion    model " + plan.get("championModelSha256").asText() + "  policy " + plan.get("championPolicySha256").asText());
        System.out.println("  challenger  model " + plan.path("challengerModelSha256").asText("-") + "  policy "
                + plan.path("challengerPolicySha256").asText("-"));
        for (JsonNode s : r.get("steps")) {
            System.out.printf(Locale.ROOT, "  step %d  %-6s %6.1f %%  %3d vehicles  bake %ds  %s%n", s.get("index").asInt(), s.get("kind").asText(),
                    s.get("sharePercent").asDouble(), s.get("vehicles").asInt(), s.get("bakeSeconds").asLong(), s.get("status").asText());
        }
        System.out.println("  cohort      " + (r.get("cohort").isEmpty() ? "-" : String.join(", ", texts(r.get("cohort")))));
        printConfirmation(r.path("rollbackConfirmation"));
        for (JsonNode g : r.get("gates")) {
            System.out.printf(Locale.ROOT, "  gate %-26s v%s  %-17s %s%n", g.get("gate").asText(), g.get("version").asText(), g.get("verdict").asText(),
                    g.get("detail").asText());
            System.out.println("      values " + g.get("values") + "  thresholds " + g.get("thresholds"));
        }
    }

    /** A rollback's confirmation by the vehicles it restored (ADR-0044); nothing for a rollout that was not rolled back. */
    static void printConfirmation(JsonNode c) {
        if (c.isMissingNode() || c.isNull()) {
            return;
        }
        System.out.printf(Locale.ROOT, "  rollback    %s  %d of %d vehicles confirmed the champion  deadline %ds%n", c.get("status").asText(),
                c.get("confirmedVehicles").asInt(), c.get("restoredVehicles").asInt(), c.get("deadlineSeconds").asLong());
        if (!c.get("unconfirmedVehicleIds").isEmpty()) {
            System.out.println("  unconfirmed " + String.join(", ", texts(c.get("unconfirmedVehicleIds"))));
        }
        if (!c.get("refusedVehicleIds").isEmpty()) {
            System.out.println("  refused     " + String.join(", ", texts(c.get("refusedVehicleIds"))));
        }
        JsonNode trigger = c.path("unconfirmedTrigger");
        if (trigger.isTextual()) {
            System.out.println("  alarm       " + c.path("unconfirmedEventId").asText() + ", raised "
                    + ("REFUSED".equals(trigger.asText()) ? "before the deadline: every unconfirmed vehicle refused the champion"
                    : "at the deadline"));
        }
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a rollout in the token's fleet. The champion is the fleet's most common assignment unless named.")
    static final class Start extends Remote {

        @Option(names = "--challenger-model", paramLabel = "SHA256", description = "The registered model to roll out.")
        String challengerModel;

        @Option(names = "--challenger-policy", paramLabel = "SHA256", description = "The registered policy to roll out.")
        String challengerPolicy;

        @Option(names = "--champion-model", paramLabel = "SHA256")
        String championModel;

        @Option(names = "--champion-policy", paramLabel = "SHA256")
        String championPolicy;

        @Option(names = "--steps", paramLabel = "P,P,...", defaultValue = "1,10,50,100",
                description = "Canary shares of the fleet's vehicles, increasing, ending at 100 (default ${DEFAULT-VALUE}).")
        String steps;

        @Option(names = "--shadow", paramLabel = "PERCENT", description = "Run the challenger model in shadow on this share first.")
        Double shadow;

        @Option(names = "--bake-seconds", paramLabel = "S", defaultValue = "3600", description = "Bake time of each step (default ${DEFAULT-VALUE}).")
        long bakeSeconds;

        @Option(names = "--gate", paramLabel = "NAME[:K=V,...]",
                description = "A gate and threshold overrides, repeatable (default: every gate with its defaults; GET /api/v1/rollouts/gates).")
        List<String> gates;

        @Option(names = "--on-gate-failure", paramLabel = "rollback|halt", defaultValue = "rollback")
        String onGateFailure;

        @Option(names = "--id", paramLabel = "ID", description = "The rollout id (default: derived from the fleet, challenger and time).")
        String id;

        @Override
        public Integer call() throws IOException, InterruptedException {
            ObjectNode body = JSON.createObjectNode();
            body.put("rolloutId", id);
            body.put("challengerModelSha256", challengerModel);
            body.put("challengerPolicySha256", challengerPolicy);
            body.put("championModelSha256", championModel);
            body.put("championPolicySha256", championPolicy);
            body.put("onGateFailure", onGateFailure);
            ArrayNode plan = body.putArray("steps");
            if (shadow != null) {
                plan.addObject().put("kind", "shadow").put("sharePercent", shadow).put("bakeSeconds", bakeSeconds);
            }
            for (String share : steps.split(",")) {
                double p;
                try {
                    p = Double.parseDouble(share.strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--steps " + steps + ": '" + share + "' is not a number");
                }
                plan.addObject().put("kind", "canary").put("sharePercent", p).put("bakeSeconds", bakeSeconds);
            }
            if (gates != null) {
                ArrayNode list = body.putArray("gates");
                for (String g : gates) {
                    ObjectNode gate = list.addObject();
                    String[] nameAndThresholds = g.split(":", 2);
                    gate.put("name", nameAndThresholds[0]);
                    ObjectNode thresholds = gate.putObject("thresholds");
                    if (nameAndThresholds.length == 2) {
                        for (String kv : nameAndThresholds[1].split(",")) {
                            String[] p = kv.split("=", 2);
                            if (p.length != 2) {
                                throw new IllegalArgumentException("--gate " + g + ": thresholds are K=V, got '" + kv + "'");
                            }
                            try {
                                thresholds.put(p[0].strip(), Double.parseDouble(p[1].strip()));
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("--gate " + g + ": '" + p[1] + "' is not a number");
                            }
                        }
                    }
                }
            }
            JsonNode r = call("POST", "api/v1/rollouts", body);
            System.out.println("started: " + r.get("rolloutId").asText() + " over " + r.get("plan").get("vehicleIds").size() + " vehicles");
            printRollout(r);
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "The fleet's rollouts, or one with its steps, cohort and gates.")
    static final class Status extends Remote {

        @Parameters(index = "0", arity = "0..1", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws IOException, InterruptedException {
            if (id == null) {
                JsonNode list = call("GET", "api/v1/rollouts", null);
                if (list.isEmpty()) {
                    System.out.println("no rollouts in this fleet");
                }
                for (JsonNode r : list) {
                    String state = r.get("state").asText() + (r.path("rollbackConfirmation").isTextual()
                            ? " (" + r.get("rollbackConfirmation").asText() + ")" : "");
                    System.out.printf(Locale.ROOT, "%-32s %-24s step %d of %d  challenger model %s policy %s%n", r.get("rolloutId").asText(),
                            state, r.get("stepIndex").asInt(), r.get("steps").asInt(), r.path("challengerModelSha256").asText("-"),
                            r.path("challengerPolicySha256").asText("-"));
                }
                return 0;
            }
            printRollout(call("GET", path(id, ""), null));
            return 0;
        }
    }

    @Command(name = "trace", mixinStandardHelpOptions = true, description = "Why a rollout halted or rolled back: gates, thresholds, causes.")
    static final class Trace extends Remote {

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws IOException, InterruptedException {
            JsonNode t = call("GET", path(id, "/trace"), null);
            System.out.println(t.get("narrative").asText());
            for (JsonNode c : t.get("causes")) {
                System.out.println("  cause " + c.get("type").asText() + " " + c.get("eventId").asText() + " in " + c.path("aggregateId").asText("-"));
            }
            return 0;
        }
    }

    abstract static class Control extends Remote {

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--reason", paramLabel = "TEXT")
        String reason;

        int act(String action) throws IOException, InterruptedException {
            ObjectNode body = JSON.createObjectNode();
            body.put("reason", reason);
            JsonNode r = call("POST", path(id, "/" + action), body);
            System.out.println(action + ": " + r.get("rolloutId").asText() + " is " + r.get("state").asText());
            printRollout(r);
            return 0;
        }
    }

    @Command(name = "halt", mixinStandardHelpOptions = true, description = "Halt a running rollout: nothing advances until resumed or rolled back.")
    static final class Halt extends Control {
        @Override
        public Integer call() throws IOException, InterruptedException {
            return act("halt");
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a halted rollout; its step bakes again from now.")
    static final class Resume extends Control {
        @Override
        public Integer call() throws IOException, InterruptedException {
            return act("resume");
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Roll back a running or halted rollout: the champion is assigned again to every vehicle it changed.")
    static final class Rollback extends Control {
        @Override
        public Integer call() throws IOException, InterruptedException {
            return act("rollback");
        }
    }
}
