package io.sightline.edge.scenario;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.app.SafetyApplications;
import io.sightline.edge.risk.AlertKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads and validates a scenario file. Every field is checked for presence, type and range, and
 * unknown fields are refused (a misspelt {@code missprob} must not silently become "no misses").
 * The only default is {@code ego.halfWidthM} = 0.9, as the spec says. Errors name the field by its
 * JSON path and say why: {@code actors[0].widthM must be a positive finite number, got NaN}.
 */
public final class ScenarioSpecParser {

    /** The spec's default half-width of the ego path. */
    public static final double DEFAULT_EGO_HALF_WIDTH_M = 0.9;

    private static final Set<String> CLASSES = Set.of("person", "bicycle", "car", "motorbike", "bus", "truck", "stop sign");

    // NaN and Infinity are accepted by the JSON reader so that they get a field-specific error below
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, true)
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);

    private final String source;

    private ScenarioSpecParser(String source) {
        this.source = source;
    }

    public static ScenarioSpec parse(Path file) throws IOException, ScenarioSpecException {
        return parse(Files.readString(file), file.toString());
    }

    public static ScenarioSpec parse(String json, String source) throws ScenarioSpecException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ScenarioSpecException(source, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        return parse(root, source);
    }

    /** Validates an already-read JSON tree (the evaluation's scenario families instantiate specs this way). */
    public static ScenarioSpec parse(JsonNode root, String source) throws ScenarioSpecException {
        if (root == null || !root.isObject()) {
            throw new ScenarioSpecException(source, "(root)", "must be a JSON object");
        }
        return new ScenarioSpecParser(source).spec(root);
    }

    private ScenarioSpec spec(JsonNode root) throws ScenarioSpecException {
        allowOnly(root, "", "id", "description", "durationS", "frameRateHz", "camera", "ego", "actors", "noise",
                "expect");
        String id = text(root, "", "id");
        String description = root.has("description") ? text(root, "", "description") : "";
        double durationS = positive(root, "", "durationS");
        double frameRateHz = positive(root, "", "frameRateHz");
        CameraModel camera = camera(object(root, "", "camera"), "camera.");
        ScenarioSpec.Ego ego = ego(object(root, "", "ego"), "ego.");
        JsonNode actorsNode = required(root, "", "actors");
        if (!actorsNode.isArray()) {
            throw error("actors", "must be an array, got " + actorsNode.getNodeType());
        }
        List<ScenarioSpec.Actor> actors = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < actorsNode.size(); i++) {
            String p = "actors[" + i + "].";
            JsonNode a = actorsNode.get(i);
            if (!a.isObject()) {
                throw error("actors[" + i + "]", "must be an object");
            }
            ScenarioSpec.Actor actor = actor(a, p);
            if (!ids.add(actor.id())) {
                throw error(p + "id", "duplicates another actor's id '" + actor.id() + "'");
            }
            actors.add(actor);
        }
        ScenarioSpec.Noise noise = noise(object(root, "", "noise"), "noise.");
        ScenarioSpec.Expectation expect = expectation(object(root, "", "expect"), "expect.", durationS);
        return new ScenarioSpec(id, description, durationS, frameRateHz, camera, ego, List.copyOf(actors), noise, expect);
    }

    private CameraModel camera(JsonNode n, String p) throws ScenarioSpecException {
        allowOnly(n, p, "fx", "fy", "cx", "cy", "width", "height", "heightM", "pitchRad");
        double fx = positive(n, p, "fx");
        double fy = positive(n, p, "fy");
        double cx = finite(n, p, "cx");
        double cy = finite(n, p, "cy");
        int width = positiveInt(n, p, "width");
        int height = positiveInt(n, p, "height");
        double heightM = positive(n, p, "heightM");
        double pitch = finite(n, p, "pitchRad");
        // the optical axis must meet the image: a principal point outside it is a typo, not a lens
        if (cx < 0 || cx > width) {
            throw error(p + "cx", "must be within the image, 0.." + width + " px, got " + cx);
        }
        if (cy < 0 || cy > height) {
            throw error(p + "cy", "must be within the image, 0.." + height + " px, got " + cy);
        }
        if (!(Math.abs(pitch) < Math.PI / 4)) {
            throw error(p + "pitchRad", "must be within ±π/4 rad (a forward camera), got " + pitch);
        }
        return new CameraModel(fx, fy, cx, cy, width, height, heightM, pitch);
    }

    private ScenarioSpec.Ego ego(JsonNode n, String p) throws ScenarioSpecException {
        allowOnly(n, p, "speedMps", "accelMps2", "stateRateHz", "speedNoiseMps", "halfWidthM", "accelProfile");
        return new ScenarioSpec.Ego(nonNegative(n, p, "speedMps"), finite(n, p, "accelMps2"),
                positive(n, p, "stateRateHz"), nonNegative(n, p, "speedNoiseMps"),
                n.has("halfWidthM") ? positive(n, p, "halfWidthM") : DEFAULT_EGO_HALF_WIDTH_M,
                n.has("accelProfile") ? accelProfile(n, p) : List.of());
    }

    private ScenarioSpec.Actor actor(JsonNode n, String p) throws ScenarioSpecException {
        allowOnly(n, p, "id", "class", "widthM", "heightM", "rangeM", "lateralM", "speedMps", "lateralSpeedMps",
                "accelProfile", "lateralProfile", "oncoming", "elevationM");
        String id = text(n, p, "id");
        String cls = text(n, p, "class");
        if (!CLASSES.contains(cls)) {
            throw error(p + "class", "must be one of " + new java.util.TreeSet<>(CLASSES) + ", got '" + cls + "'");
        }
        if (ObjectClass.fromCocoName(cls) == ObjectClass.OTHER) {
            throw new IllegalStateException("class list out of sync: " + cls);
        }
        double widthM = positive(n, p, "widthM");
        double heightM = positive(n, p, "heightM");
        double rangeM = finite(n, p, "rangeM");
        double lateralM = finite(n, p, "lateralM");
        double speedMps = nonNegative(n, p, "speedMps");
        double lateralSpeedMps = finite(n, p, "lateralSpeedMps");
        List<ScenarioSpec.AccelStep> steps = accelProfile(n, p);
        List<ScenarioSpec.LateralStep> lateral = new ArrayList<>();
        if (n.has("lateralProfile")) {
            JsonNode lp = n.get("lateralProfile");
            if (!lp.isArray()) {
                throw error(p + "lateralProfile", "must be an array of {\"atS\", \"lateralSpeedMps\"}, got "
                        + lp.getNodeType());
            }
            double last = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < lp.size(); i++) {
                String q = p + "lateralProfile[" + i + "].";
                JsonNode s = lp.get(i);
                if (!s.isObject()) {
                    throw error(p + "lateralProfile[" + i + "]", "must be an object {\"atS\", \"lateralSpeedMps\"}");
                }
                allowOnly(s, q, "atS", "lateralSpeedMps");
                double at = nonNegative(s, q, "atS");
                if (!(at > last)) {
                    throw error(q + "atS", "must be later than the previous step's atS " + last + ", got " + at);
                }
                last = at;
                lateral.add(new ScenarioSpec.LateralStep(at, finite(s, q, "lateralSpeedMps")));
            }
        }
        boolean oncoming = false;
        if (n.has("oncoming")) {
            JsonNode o = n.get("oncoming");
            if (!o.isBoolean()) {
                throw error(p + "oncoming", "must be true or false, got " + o);
            }
            oncoming = o.booleanValue();
        }
        double elevationM = n.has("elevationM") ? nonNegative(n, p, "elevationM") : 0;
        return new ScenarioSpec.Actor(id, cls, widthM, heightM, rangeM, lateralM, speedMps, lateralSpeedMps,
                List.copyOf(steps), List.copyOf(lateral), oncoming, elevationM);
    }

    private List<ScenarioSpec.AccelStep> accelProfile(JsonNode n, String p) throws ScenarioSpecException {
        JsonNode prof = required(n, p, "accelProfile");
        if (!prof.isArray()) {
            throw error(p + "accelProfile", "must be an array of {\"atS\", \"accelMps2\"}, got " + prof.getNodeType());
        }
        List<ScenarioSpec.AccelStep> steps = new ArrayList<>();
        double lastAt = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < prof.size(); i++) {
            String q = p + "accelProfile[" + i + "].";
            JsonNode s = prof.get(i);
            if (!s.isObject()) {
                throw error(p + "accelProfile[" + i + "]", "must be an object {\"atS\", \"accelMps2\"}");
            }
            allowOnly(s, q, "atS", "accelMps2");
            double at = nonNegative(s, q, "atS");
            if (!(at > lastAt)) {
                throw error(q + "atS", "must be later than the previous step's atS " + lastAt + ", got " + at);
            }
            lastAt = at;
            steps.add(new ScenarioSpec.AccelStep(at, finite(s, q, "accelMps2")));
        }
        return List.copyOf(steps);
    }

    private ScenarioSpec.Noise noise(JsonNode n, String p) throws ScenarioSpecException {
        allowOnly(n, p, "bboxSigmaPx", "missProb", "clutterPerFrame", "scoreMin", "scoreMax", "seed");
        double sigma = nonNegative(n, p, "bboxSigmaPx");
        double miss = probability(n, p, "missProb");
        double clutter = nonNegative(n, p, "clutterPerFrame");
        double scoreMin = probability(n, p, "scoreMin");
        double scoreMax = probability(n, p, "scoreMax");
        if (scoreMax < scoreMin) {
            throw error(p + "scoreMax", "must be >= scoreMin " + scoreMin + ", got " + scoreMax);
        }
        JsonNode seed = required(n, p, "seed");
        if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
            throw error(p + "seed", "must be an integer, got " + seed);
        }
        return new ScenarioSpec.Noise(sigma, miss, clutter, scoreMin, scoreMax, seed.longValue());
    }

    private ScenarioSpec.Expectation expectation(JsonNode n, String p, double durationS) throws ScenarioSpecException {
        if (n.has("noAlert")) {
            allowOnly(n, p, "noAlert");
            JsonNode v = n.get("noAlert");
            if (!v.isBoolean() || !v.booleanValue()) {
                throw error(p + "noAlert", "must be true (omit it and give \"alert\" to expect an alert), got " + v);
            }
            return new ScenarioSpec.NoAlert();
        }
        if (!n.has("alert")) {
            throw error(p + "alert", "is required: expect must hold either {\"noAlert\": true} or "
                    + "{\"alert\": KIND, \"minTtcS\", \"maxTtcS\"} or {\"alert\": KIND, \"withinS\": [t0, t1]}");
        }
        String kindName = text(n, p, "alert");
        AlertKind kind = SafetyApplications.shippedKind(kindName);
        if (kind == null) {
            throw error(p + "alert", "must be one of " + SafetyApplications.shippedKinds() + ", got '"
                    + kindName + "'");
        }
        if (n.has("withinS")) {
            allowOnly(n, p, "alert", "withinS");
            JsonNode w = n.get("withinS");
            if (!w.isArray() || w.size() != 2 || !w.get(0).isNumber() || !w.get(1).isNumber()) {
                throw error(p + "withinS", "must be an array of two numbers [t0, t1], got " + w);
            }
            double from = w.get(0).doubleValue();
            double to = w.get(1).doubleValue();
            if (!Double.isFinite(from) || !Double.isFinite(to) || from < 0 || to < from) {
                throw error(p + "withinS", "must satisfy 0 <= t0 <= t1 (finite), got " + w);
            }
            if (from > durationS) {
                throw error(p + "withinS", "starts at " + from + " s, after the run ends at durationS " + durationS);
            }
            return new ScenarioSpec.AlertWithin(kind, from, to);
        }
        allowOnly(n, p, "alert", "minTtcS", "maxTtcS");
        double min = nonNegative(n, p, "minTtcS");
        double max = nonNegative(n, p, "maxTtcS");
        if (max < min) {
            throw error(p + "maxTtcS", "must be >= minTtcS " + min + ", got " + max);
        }
        return new ScenarioSpec.AlertAtTtc(kind, min, max);
    }

    // ---- field helpers ----

    private ScenarioSpecException error(String field, String why) {
        return new ScenarioSpecException(source, field, why);
    }

    private void allowOnly(JsonNode n, String p, String... names) throws ScenarioSpecException {
        Set<String> allowed = Set.of(names);
        Iterator<String> it = n.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw error(p + f, "is not part of the scenario spec (allowed here: " + String.join(", ", names) + ")");
            }
        }
    }

    private JsonNode required(JsonNode n, String p, String name) throws ScenarioSpecException {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            throw error(p + name, "is required");
        }
        return v;
    }

    private JsonNode object(JsonNode n, String p, String name) throws ScenarioSpecException {
        JsonNode v = required(n, p, name);
        if (!v.isObject()) {
            throw error(p + name, "must be an object, got " + v.getNodeType());
        }
        return v;
    }

    private String text(JsonNode n, String p, String name) throws ScenarioSpecException {
        JsonNode v = required(n, p, name);
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw error(p + name, "must be a non-empty string, got " + v);
        }
        return v.textValue();
    }

    private double number(JsonNode n, String p, String name) throws ScenarioSpecException {
        JsonNode v = required(n, p, name);
        if (!v.isNumber()) {
            throw error(p + name, "must be a number, got " + v.getNodeType() + " " + v);
        }
        return v.doubleValue();
    }

    private double finite(JsonNode n, String p, String name) throws ScenarioSpecException {
        double v = number(n, p, name);
        if (!Double.isFinite(v)) {
            throw error(p + name, "must be a finite number, got " + v);
        }
        return v;
    }

    private double positive(JsonNode n, String p, String name) throws ScenarioSpecException {
        double v = number(n, p, name);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw error(p + name, "must be a positive finite number, got " + v);
        }
        return v;
    }

    private double nonNegative(JsonNode n, String p, String name) throws ScenarioSpecException {
        double v = number(n, p, name);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw error(p + name, "must be a finite number >= 0, got " + v);
        }
        return v;
    }

    private double probability(JsonNode n, String p, String name) throws ScenarioSpecException {
        double v = number(n, p, name);
        if (!(v >= 0 && v <= 1)) {
            throw error(p + name, "must be in [0, 1], got " + v);
        }
        return v;
    }

    private int positiveInt(JsonNode n, String p, String name) throws ScenarioSpecException {
        JsonNode v = required(n, p, name);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
            throw error(p + name, "must be a positive integer, got " + v);
        }
        return v.intValue();
    }
}
