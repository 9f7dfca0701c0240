package io.sightline.app.videosuite;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.family.FamilyParser;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.eval.family.ValueSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A video suite: groups of composited-clip cases (format: {@code scenarios/video-suites/README.md}).
 * Each group is a {@link ScenarioFamily} without a scenario template: its parameters are the lead's
 * script and the background clip (a grid over the group's clips, so a cell is a clip), drawn per
 * seed exactly as a family's are, and its expectation is a scenario expectation. That is what lets
 * {@code evaluate}'s report builder and writer report a video suite unchanged.
 *
 * <p>Everything is checked when the file is read, before any clip is made: an impossible parameter
 * is one line naming its field.
 */
public final class VideoSuite {

    /** Where named suites live, relative to the project. */
    public static final String DIR = "scenarios/video-suites";
    /** Where the clips named in a suite live, relative to the project. */
    public static final String SAMPLES = "samples";
    /** The ego's half width the ground truth's in-path flag uses: the scenario spec's default. */
    public static final double EGO_HALF_WIDTH_M = 0.9;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Set<String> ROOT_KEYS = Set.of("suite", "description", "seed", "casesPerClip", "groups");
    private static final Set<String> GROUP_KEYS = Set.of("id", "description", "source", "expect", "clips", "durationS",
            "egoSpeedMps", "lead");
    /** The lead's parameters, in the order a case draws them. */
    static final List<String> LEAD_KEYS = List.of("widthM", "speedMps", "initialGapM", "initialTtcS", "lateralM", "brakeAtS",
            "decelMps2", "laneChangeAtS", "laneChangeAtTtcS", "laneChangeToLateralM", "laneChangeSpeedMps");

    /**
     * One group of cases.
     *
     * @param clips the background clips, file names under {@code samples/}; cell i is clip i
     * @param index where each parameter sits in {@link ScenarioFamily#values}
     */
    public record Group(ScenarioFamily family, List<String> clips, Map<String, Integer> index) {

        /** Parameter {@code name} of a case's values, or {@code fallback} when the group does not set it. */
        double value(double[] values, String name, double fallback) {
            Integer i = index.get(name);
            return i == null ? fallback : values[i];
        }

        boolean has(String name) {
            return index.containsKey(name);
        }
    }

    private final String name;
    private final String description;
    private final String file;
    private final String argument;
    private final String sha256;
    private final long seed;
    private final int casesPerClip;
    private final List<Group> groups;

    private VideoSuite(String name, String description, String file, String argument, String sha256, long seed, int casesPerClip,
                       List<Group> groups) {
        this.name = name;
        this.description = description;
        this.file = file;
        this.argument = argument;
        this.sha256 = sha256;
        this.seed = seed;
        this.casesPerClip = casesPerClip;
        this.groups = List.copyOf(groups);
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    /** The file as given, or {@code scenarios/video-suites/NAME.json} for a named suite. */
    public String file() {
        return file;
    }

    public String sha256() {
        return sha256;
    }

    /** How the suite was named on the command line: its name for a shipped suite, else its file; what a re-run command repeats. */
    public String argument() {
        return argument;
    }

    public long seed() {
        return seed;
    }

    public int casesPerClip() {
        return casesPerClip;
    }

    public List<Group> groups() {
        return groups;
    }

    public List<ScenarioFamily> families() {
        return groups.stream().map(Group::family).toList();
    }

    /** The names of the shipped suites. */
    public static List<String> shipped(Path home) throws IOException {
        Path dir = home.resolve(DIR);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        }
    }

    /** A shipped suite by name, or a suite file by path. */
    public static VideoSuite load(String nameOrFile, Path home) throws IOException, ScenarioSpecException {
        Path path;
        String shownAs;
        if (nameOrFile.endsWith(".json") || nameOrFile.contains("/")) {
            path = Path.of(nameOrFile);
            shownAs = nameOrFile;
        } else {
            path = home.resolve(DIR).resolve(nameOrFile + ".json");
            shownAs = DIR + "/" + nameOrFile + ".json";
            if (!Files.isRegularFile(path)) {
                throw new NoSuchFileException(shownAs, null, "no video suite '" + nameOrFile + "'; shipped: "
                        + String.join(", ", shipped(home)));
            }
        }
        byte[] bytes = Files.readAllBytes(path);
        return parse(new String(bytes, StandardCharsets.UTF_8), shownAs, nameOrFile, sha256(bytes), home.resolve(SAMPLES));
    }

    public static VideoSuite parse(String json, String source, String sha256, Path samples) throws ScenarioSpecException {
        return parse(json, source, source, sha256, samples);
    }

    private static VideoSuite parse(String json, String source, String argument, String sha256, Path samples)
            throws ScenarioSpecException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ScenarioSpecException(source, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ScenarioSpecException(source, "(root)", "must be a JSON object");
        }
        onlyKeys(root, "", ROOT_KEYS, source);
        String name = text(root, "suite", source, true);
        if (!ID.matcher(name).matches()) {
            throw new ScenarioSpecException(source, "suite", "must be lower-case letters, digits and '-', got '" + name + "'");
        }
        String description = root.has("description") ? text(root, "description", source, true) : "";
        long seed = root.has("seed") ? integer(root, "seed", source, Long.MIN_VALUE) : 1;
        int cases = root.has("casesPerClip") ? (int) integer(root, "casesPerClip", source, 1) : 1;
        JsonNode gs = root.get("groups");
        if (gs == null || !gs.isArray() || gs.isEmpty()) {
            throw new ScenarioSpecException(source, "groups", "must be a non-empty array of case groups");
        }
        List<Group> groups = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int g = 0; g < gs.size(); g++) {
            Group group = group(gs.get(g), "groups[" + g + "]", source, sha256, name, samples);
            if (!ids.add(group.family().id())) {
                throw new ScenarioSpecException(source, "groups[" + g + "].id", "'" + group.family().id() + "' is used twice");
            }
            groups.add(group);
        }
        return new VideoSuite(name, description, source, argument, sha256, seed, cases, groups);
    }

    private static Group group(JsonNode g, String at, String source, String suiteSha, String suite, Path samples)
            throws ScenarioSpecException {
        if (!g.isObject()) {
            throw new ScenarioSpecException(source, at, "must be an object");
        }
        onlyKeys(g, at + ".", GROUP_KEYS, source);
        String id = text(g, "id", source, true, at);
        if (!ID.matcher(id).matches()) {
            throw new ScenarioSpecException(source, at + ".id", "must be lower-case letters, digits and '-', got '" + id + "'");
        }
        String description = g.has("description") ? text(g, "description", source, true, at) : "";
        String src = g.has("source") ? text(g, "source", source, true, at) : "";
        ScenarioSpec.Expectation expect = expectation(g.get("expect"), at + ".expect", source);

        JsonNode cs = g.get("clips");
        if (cs == null || !cs.isArray() || cs.isEmpty()) {
            throw new ScenarioSpecException(source, at + ".clips", "must be a non-empty array of clip file names under samples/");
        }
        List<String> clips = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
            JsonNode c = cs.get(i);
            String f = at + ".clips[" + i + "]";
            if (!c.isTextual() || c.textValue().isBlank()) {
                throw new ScenarioSpecException(source, f, "must be a clip's file name under samples/, got " + c);
            }
            String clip = c.textValue();
            if (clip.contains("/") || clip.contains("\\") || !Files.isRegularFile(samples.resolve(clip))) {
                throw new ScenarioSpecException(source, f, "unknown clip '" + clip + "' (bundled: "
                        + String.join(", ", bundledClips(samples)) + ")");
            }
            if (clips.contains(clip)) {
                throw new ScenarioSpecException(source, f, "'" + clip + "' is listed twice");
            }
            clips.add(clip);
        }

        List<ScenarioFamily.Parameter> params = new ArrayList<>();
        Map<String, Integer> index = new LinkedHashMap<>();
        double[] clipIndices = new double[clips.size()];
        for (int i = 0; i < clipIndices.length; i++) {
            clipIndices[i] = i;
        }
        add(params, index, "clip", new ValueSpec.Grid(clipIndices));
        ValueSpec duration = required(g, "durationS", at, source);
        positive(duration, at + ".durationS", source);
        add(params, index, "durationS", duration);
        ValueSpec ego = required(g, "egoSpeedMps", at, source);
        atLeast(ego, 0, at + ".egoSpeedMps", source);
        add(params, index, "egoSpeedMps", ego);

        JsonNode lead = g.get("lead");
        String la = at + ".lead";
        if (lead == null || !lead.isObject()) {
            throw new ScenarioSpecException(source, la, "is required: the lead's script (" + String.join(", ", LEAD_KEYS) + ")");
        }
        onlyKeys(lead, la + ".", Set.copyOf(LEAD_KEYS), source);
        Map<String, ValueSpec> specs = new LinkedHashMap<>();
        for (String k : LEAD_KEYS) {
            if (lead.has(k)) {
                specs.put(k, FamilyParser.parseValueSpec(lead.get(k), source, la + "." + k));
            }
        }
        for (String k : List.of("widthM", "speedMps", "lateralM")) {
            if (!specs.containsKey(k)) {
                throw new ScenarioSpecException(source, la + "." + k, "is required");
            }
        }
        positive(specs.get("widthM"), la + ".widthM", source);
        atLeast(specs.get("speedMps"), 0, la + ".speedMps", source);
        if (specs.containsKey("initialGapM") == specs.containsKey("initialTtcS")) {
            throw new ScenarioSpecException(source, la + ".initialGapM", "give exactly one of initialGapM and initialTtcS");
        }
        if (specs.containsKey("initialGapM")) {
            positive(specs.get("initialGapM"), la + ".initialGapM", source);
        } else {
            positive(specs.get("initialTtcS"), la + ".initialTtcS", source);
            // A TTC defines the gap only for a lead the ego closes on, at every value the case can draw.
            if (!(ego.low() > specs.get("speedMps").high())) {
                throw new ScenarioSpecException(source, la + ".initialTtcS", "needs the ego faster than the lead at every draw"
                        + " (egoSpeedMps low end " + ValueSpec.num(ego.low()) + " m/s, lead speedMps high end "
                        + ValueSpec.num(specs.get("speedMps").high()) + " m/s); use initialGapM instead");
            }
        }
        if (specs.containsKey("decelMps2") != specs.containsKey("brakeAtS")) {
            throw new ScenarioSpecException(source, la + (specs.containsKey("decelMps2") ? ".brakeAtS" : ".decelMps2"),
                    "is required with " + (specs.containsKey("decelMps2") ? "decelMps2" : "brakeAtS") + " (a speed profile needs both)");
        }
        if (specs.containsKey("decelMps2")) {
            atLeast(specs.get("decelMps2"), 0, la + ".decelMps2", source);
            atLeast(specs.get("brakeAtS"), 0, la + ".brakeAtS", source);
        }
        boolean laneChange = specs.containsKey("laneChangeToLateralM");
        if (specs.containsKey("laneChangeAtS") && specs.containsKey("laneChangeAtTtcS")) {
            throw new ScenarioSpecException(source, la + ".laneChangeAtTtcS", "give one of laneChangeAtS and laneChangeAtTtcS, not both");
        }
        boolean when = specs.containsKey("laneChangeAtS") || specs.containsKey("laneChangeAtTtcS");
        if (laneChange != when || laneChange != specs.containsKey("laneChangeSpeedMps")) {
            throw new ScenarioSpecException(source, la + (laneChange ? (when ? ".laneChangeSpeedMps" : ".laneChangeAtS") : ".laneChangeToLateralM"),
                    "is required: a lane change needs laneChangeToLateralM, laneChangeSpeedMps and laneChangeAtS or laneChangeAtTtcS");
        }
        if (laneChange) {
            positive(specs.get("laneChangeSpeedMps"), la + ".laneChangeSpeedMps", source);
            if (specs.containsKey("laneChangeAtS")) {
                atLeast(specs.get("laneChangeAtS"), 0, la + ".laneChangeAtS", source);
            } else {
                positive(specs.get("laneChangeAtTtcS"), la + ".laneChangeAtTtcS", source);
            }
        }
        for (Map.Entry<String, ValueSpec> e : specs.entrySet()) {
            add(params, index, e.getKey(), e.getValue());
        }
        ScenarioFamily family = ScenarioFamily.withoutTemplate(id, description, src, "video suite " + suite,
                sha256((suiteSha + " " + id).getBytes(StandardCharsets.UTF_8)), suite, params, expect);
        return new Group(family, List.copyOf(clips), Map.copyOf(index));
    }

    /** The dashcam clips under samples/ (mp4 files). */
    static List<String> bundledClips(Path samples) {
        try (Stream<Path> s = Files.list(samples)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".mp4")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static ScenarioSpec.Expectation expectation(JsonNode e, String at, String source) throws ScenarioSpecException {
        if (e == null || !e.isObject()) {
            throw new ScenarioSpecException(source, at, "is required: {\"alert\": KIND, \"minTtcS\", \"maxTtcS\"} or {\"noAlert\": true}");
        }
        if (e.has("noAlert")) {
            onlyKeys(e, at + ".", Set.of("noAlert"), source);
            if (!e.get("noAlert").isBoolean() || !e.get("noAlert").booleanValue()) {
                throw new ScenarioSpecException(source, at + ".noAlert", "must be true");
            }
            return new ScenarioSpec.NoAlert();
        }
        onlyKeys(e, at + ".", Set.of("alert", "minTtcS", "maxTtcS"), source);
        String kind = text(e, "alert", source, true, at);
        AlertKind k = io.sightline.edge.app.SafetyApplications.shippedKind(kind);
        if (k == null) {
            throw new ScenarioSpecException(source, at + ".alert", "unknown alert kind '" + kind + "' (one of "
                    + io.sightline.edge.app.SafetyApplications.shippedKinds() + ")");
        }
        double min = number(e, "minTtcS", at, source);
        double max = number(e, "maxTtcS", at, source);
        if (!(min > 0)) {
            throw new ScenarioSpecException(source, at + ".minTtcS", "must be positive, got " + ValueSpec.num(min));
        }
        if (!(min < max)) {
            throw new ScenarioSpecException(source, at + ".maxTtcS", "min " + ValueSpec.num(min) + " must be below max " + ValueSpec.num(max));
        }
        return new ScenarioSpec.AlertAtTtc(k, min, max);
    }

    private static void add(List<ScenarioFamily.Parameter> params, Map<String, Integer> index, String name, ValueSpec spec) {
        index.put(name, params.size());
        params.add(new ScenarioFamily.Parameter(name, spec, List.of()));
    }

    private static ValueSpec required(JsonNode g, String key, String at, String source) throws ScenarioSpecException {
        if (!g.has(key)) {
            throw new ScenarioSpecException(source, at + "." + key, "is required");
        }
        return FamilyParser.parseValueSpec(g.get(key), source, at + "." + key);
    }

    private static void positive(ValueSpec s, String field, String source) throws ScenarioSpecException {
        if (!(s.low() > 0)) {
            throw new ScenarioSpecException(source, field, "must be positive at every draw, but " + s.describe()
                    + " reaches " + ValueSpec.num(s.low()));
        }
    }

    private static void atLeast(ValueSpec s, double min, String field, String source) throws ScenarioSpecException {
        if (!(s.low() >= min)) {
            throw new ScenarioSpecException(source, field, "must be >= " + ValueSpec.num(min) + " at every draw, but " + s.describe()
                    + " reaches " + ValueSpec.num(s.low()));
        }
    }

    private static void onlyKeys(JsonNode n, String prefix, Set<String> allowed, String source) throws ScenarioSpecException {
        Iterator<String> it = n.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new ScenarioSpecException(source, prefix + k, "is not a field here (allowed: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static String text(JsonNode n, String key, String source, boolean nonBlank) throws ScenarioSpecException {
        return text(n, key, source, nonBlank, null);
    }

    private static String text(JsonNode n, String key, String source, boolean nonBlank, String at) throws ScenarioSpecException {
        String field = at == null ? key : at + "." + key;
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual() || (nonBlank && v.textValue().isBlank())) {
            throw new ScenarioSpecException(source, field, "must be a non-empty string, got " + v);
        }
        return v.textValue();
    }

    private static double number(JsonNode n, String key, String at, String source) throws ScenarioSpecException {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber() || !Double.isFinite(v.doubleValue())) {
            throw new ScenarioSpecException(source, at + "." + key, "must be a finite number, got " + v);
        }
        return v.doubleValue();
    }

    private static long integer(JsonNode n, String key, String source, long min) throws ScenarioSpecException {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.longValue() < min) {
            throw new ScenarioSpecException(source, key, "must be an integer" + (min > Long.MIN_VALUE ? " >= " + min : "")
                    + ", got " + v);
        }
        return v.longValue();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "video suite %s (%d groups)", name, groups.size());
    }
}
