package io.sightline.eval.family;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.edge.scenario.ScenarioSpecParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a scenario family: a scenario spec in which any numeric field may hold a value spec
 * ({@code uniform}, {@code normal}, {@code logNormal}, {@code choice}, {@code grid} or
 * {@code expr}), plus optional {@code parameters} (named value specs, usable in expressions) and
 * {@code source}. Every value spec is checked (a negative width, min above max, weights that do not
 * sum to 1), and then the scenario is instantiated at the ends of every parameter's range and
 * validated like any scenario file, so a family that could produce an invalid scenario is refused
 * before anything runs. Errors are one line naming the file and the field's path.
 */
public final class FamilyParser {

    /** Choice weights must sum to 1 within this. */
    public static final double WEIGHT_SUM_TOLERANCE = 1e-6;
    /** A grid may not have more values than this (a typo in a step would otherwise run for days). */
    public static final int MAX_GRID_VALUES = 1000;

    private static final Set<String> SPEC_KEYS = Set.of("uniform", "normal", "logNormal", "choice", "grid", "expr");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> RESERVED = Set.of("pi", "min", "max", "abs", "sqrt", "sin", "cos", "tan", "atan");

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, true)
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);

    private final String source;
    private final Map<String, Integer> names = new LinkedHashMap<>();
    private final List<ScenarioFamily.Parameter> parameters = new ArrayList<>();

    private FamilyParser(String source) {
        this.source = source;
    }

    /** Reads a family file; {@code suite} is the shipped suite it belongs to, or null. */
    public static ScenarioFamily parse(Path file, String suite) throws IOException, ScenarioSpecException {
        return parse(file, suite, file.toString());
    }

    /** As {@link #parse(Path, String)}, naming the file {@code name} in errors and reports. */
    public static ScenarioFamily parse(Path file, String suite, String name) throws IOException, ScenarioSpecException {
        byte[] bytes = Files.readAllBytes(file);
        return parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), name, sha256(bytes), suite);
    }

    public static ScenarioFamily parse(String json, String source, String sha256, String suite)
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
        return new FamilyParser(source).family((ObjectNode) root, sha256, suite);
    }

    /**
     * One value spec read on its own (a number, or one of the distributions and grids above; no
     * expressions, which need a family's named parameters), with the same checks and one-line
     * errors as inside a family. How formats other than scenario families (video suites) share
     * the syntax and its validation.
     */
    public static ValueSpec parseValueSpec(JsonNode n, String source, String field) throws ScenarioSpecException {
        FamilyParser p = new FamilyParser(source);
        if (n != null && n.isNumber()) {
            return p.fixed(n, field);
        }
        ValueSpec spec = n == null ? null : p.valueSpec(n, field);
        if (spec == null) {
            throw p.error(field, "must be a number or a value spec {" + String.join("|", new java.util.TreeSet<>(SPEC_KEYS))
                    + ": ...}, got " + n);
        }
        return spec;
    }

    private ScenarioFamily family(ObjectNode root, String sha256, String suite) throws ScenarioSpecException {
        ObjectNode template = root.deepCopy();
        JsonNode params = template.remove("parameters");
        JsonNode src = template.remove("source");
        if (src != null && (!src.isTextual() || src.textValue().isBlank())) {
            throw error("source", "must be a non-empty string naming where the values come from, got " + src);
        }
        JsonNode noise = template.get("noise");
        if (noise != null && noise.isObject() && noise.has("seed")) {
            // a plain scenario file is a family too; evaluate's --seed sets every run's seed
            JsonNode seed = noise.get("seed");
            if (seed.isObject()) {
                throw error("noise.seed", "is each run's seed (evaluate --seed S gives runs S, S+1, ...), not a parameter");
            }
            ((ObjectNode) noise).remove("seed");
        }
        if (params != null) {
            if (!params.isObject()) {
                throw error("parameters", "must be an object of named value specs, got " + params.getNodeType());
            }
            Iterator<Map.Entry<String, JsonNode>> it = params.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                String field = "parameters." + name;
                if (!NAME.matcher(name).matches() || RESERVED.contains(name)) {
                    throw error(field, "is not a usable parameter name (letters, digits and _, not starting with a digit,"
                            + " and not one of " + RESERVED + ")");
                }
                ValueSpec spec = e.getValue().isNumber() ? fixed(e.getValue(), field) : valueSpec(e.getValue(), field);
                if (spec == null) {
                    throw error(field, "must be a number or a value spec {" + String.join("|", new java.util.TreeSet<>(SPEC_KEYS))
                            + ": ...}, got " + e.getValue());
                }
                names.put(name, parameters.size());
                parameters.add(new ScenarioFamily.Parameter(name, spec, List.of()));
            }
        }
        templateForProbe = template;
        walk(template, "", new ArrayList<>());
        String id = template.path("id").isTextual() ? template.get("id").textValue() : null;
        // the template with central values must be a valid scenario: this names missing or mistyped fields
        double[] centre = probe(-1, 0);
        ScenarioSpec centreSpec = check(centre, null);
        int n = parameters.size();
        for (int i = 0; i < n; i++) {
            ValueSpec s = parameters.get(i).spec();
            if (s instanceof ValueSpec.Expr || s instanceof ValueSpec.Fixed) {
                continue;
            }
            check(probe(i, -1), i + ":low");
            check(probe(i, 1), i + ":high");
            if (s instanceof ValueSpec.Grid g) {
                for (double value : g.values()) {
                    double[] v = probe(-1, 0);
                    v[i] = value;
                    recompute(v);
                    check(v, i + ":" + value);
                }
            }
        }
        check(probe(-2, -1), "all:low");
        check(probe(-2, 1), "all:high");
        String description = template.path("description").isTextual() ? template.get("description").textValue() : "";
        return new ScenarioFamily(id, description, src == null ? "" : src.textValue(), source, sha256, suite, template,
                parameters, centreSpec.expect());
    }

    /** Values with every parameter at its centre, except parameter {@code which} (−2: all) at its low (−1) or high (+1) end. */
    private double[] probe(int which, int end) {
        double[] v = new double[parameters.size()];
        for (int i = 0; i < v.length; i++) {
            ValueSpec s = parameters.get(i).spec();
            if (s instanceof ValueSpec.Expr) {
                continue;
            }
            boolean atEnd = which == -2 || which == i;
            v[i] = !atEnd || end == 0 ? s.centre() : end < 0 ? s.low() : s.high();
        }
        recompute(v);
        return v;
    }

    private void recompute(double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (parameters.get(i).spec() instanceof ValueSpec.Expr e) {
                v[i] = e.expression().evaluate(v);
            }
        }
    }

    private ScenarioSpec check(double[] v, String probe) throws ScenarioSpecException {
        ScenarioFamily shell = new ScenarioFamily("probe", "", "", source, "", null, templateForProbe, parameters, null);
        try {
            return ScenarioSpecParser.parse(shell.fill(v, 0), source);
        } catch (ScenarioSpecException e) {
            if (probe == null) {
                throw e;
            }
            throw new ScenarioSpecException(source, e.field() == null ? "(root)" : e.field(),
                    e.getMessage().substring(e.getMessage().indexOf("' ", source.length()) + 2) + " " + explain(v, probe));
        }
    }

    private String explain(double[] v, String probe) {
        String[] parts = probe.split(":", 2);
        StringBuilder b = new StringBuilder("(");
        if (parts[0].equals("all")) {
            b.append("with every parameter at its ").append(parts[1]).append(" end");
        } else {
            ScenarioFamily.Parameter p = parameters.get(Integer.parseInt(parts[0]));
            b.append("when parameter '").append(p.name()).append("' = ").append(p.spec().describe()).append(" is ")
                    .append(ValueSpec.num(v[Integer.parseInt(parts[0])]));
            if (parts[1].equals("low") || parts[1].equals("high")) {
                b.append(", its ").append(parts[1]).append(" end");
            }
        }
        for (int i = 0; i < v.length; i++) {
            if (parameters.get(i).spec() instanceof ValueSpec.Expr) {
                b.append("; ").append(parameters.get(i).name()).append(" = ").append(ValueSpec.num(v[i]));
            }
        }
        return b.append(')').toString();
    }

    private ObjectNode templateForProbe;

    /** Finds the inline value specs, in document order, and records where they sit. */
    private void walk(JsonNode node, String path, List<Object> segments) throws ScenarioSpecException {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                List<Object> seg = new ArrayList<>(segments);
                seg.add(e.getKey());
                visit(e.getValue(), p, seg);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                List<Object> seg = new ArrayList<>(segments);
                seg.add(i);
                visit(node.get(i), path + "[" + i + "]", seg);
            }
        }
    }

    private void visit(JsonNode child, String path, List<Object> segments) throws ScenarioSpecException {
        if (child.isObject() && isSpecObject(child)) {
            if (path.startsWith("expect")) {
                throw error(path, "is the family's requirement and must be fixed, not a value spec");
            }
            ValueSpec spec = valueSpec(child, path);
            parameters.add(new ScenarioFamily.Parameter(path, spec, List.copyOf(segments)));
        } else {
            walk(child, path, segments);
        }
    }

    private boolean isSpecObject(JsonNode n) throws ScenarioSpecException {
        int specKeys = 0;
        Iterator<String> it = n.fieldNames();
        while (it.hasNext()) {
            if (SPEC_KEYS.contains(it.next())) {
                specKeys++;
            }
        }
        if (specKeys > 0 && n.size() != 1) {
            return true; // valueSpec reports it
        }
        return specKeys == 1;
    }

    private ValueSpec fixed(JsonNode n, String field) throws ScenarioSpecException {
        double v = n.doubleValue();
        if (!Double.isFinite(v)) {
            throw error(field, "must be a finite number, got " + n);
        }
        return new ValueSpec.Fixed(v);
    }

    /** A value spec object, or null when {@code n} is not one. */
    private ValueSpec valueSpec(JsonNode n, String field) throws ScenarioSpecException {
        if (!n.isObject()) {
            return null;
        }
        if (n.size() != 1) {
            throw error(field, "a value spec holds exactly one of " + new java.util.TreeSet<>(SPEC_KEYS) + ", got "
                    + iterable(n.fieldNames()));
        }
        String kind = n.fieldNames().next();
        JsonNode body = n.get(kind);
        String f = field + "." + kind;
        switch (kind) {
            case "uniform": {
                double[] mm = numbers(body, f, "[min, max]");
                if (mm.length != 2) {
                    throw error(f, "must be [min, max], got " + body);
                }
                if (!(mm[0] < mm[1])) {
                    throw error(f, "min " + ValueSpec.num(mm[0]) + " must be below max " + ValueSpec.num(mm[1]));
                }
                return new ValueSpec.Uniform(mm[0], mm[1]);
            }
            case "normal": {
                requireObject(body, f, "{\"mean\", \"sd\"[, \"min\", \"max\"]}");
                allowOnly(body, f, "mean", "sd", "min", "max");
                double mean = finite(body, f, "mean");
                double sd = finite(body, f, "sd");
                if (!(sd > 0)) {
                    throw error(f + ".sd", "must be a positive width, got " + ValueSpec.num(sd));
                }
                double min = body.has("min") ? finite(body, f, "min") : Double.NEGATIVE_INFINITY;
                double max = body.has("max") ? finite(body, f, "max") : Double.POSITIVE_INFINITY;
                if (!(min < max)) {
                    throw error(f + ".max", "min " + ValueSpec.num(min) + " must be below max " + ValueSpec.num(max));
                }
                if (mean + 6 * sd < min || mean - 6 * sd > max) {
                    throw error(f, "mean " + ValueSpec.num(mean) + " lies more than 6 sd outside [min, max]");
                }
                return new ValueSpec.Normal(mean, sd, min, max);
            }
            case "logNormal": {
                requireObject(body, f, "{\"median\", \"sigma\"}");
                allowOnly(body, f, "median", "sigma");
                double median = finite(body, f, "median");
                double sigma = finite(body, f, "sigma");
                if (!(median > 0)) {
                    throw error(f + ".median", "must be positive, got " + ValueSpec.num(median));
                }
                if (!(sigma > 0)) {
                    throw error(f + ".sigma", "must be a positive width, got " + ValueSpec.num(sigma));
                }
                return new ValueSpec.LogNormal(median, sigma);
            }
            case "choice": {
                requireObject(body, f, "{\"values\": [...], \"weights\": [...]}");
                allowOnly(body, f, "values", "weights");
                double[] values = numbers(required(body, f, "values"), f + ".values", "an array of numbers");
                double[] weights = numbers(required(body, f, "weights"), f + ".weights", "an array of numbers");
                if (values.length == 0) {
                    throw error(f + ".values", "must not be empty");
                }
                if (weights.length != values.length) {
                    throw error(f + ".weights", "has " + weights.length + " entries for " + values.length + " values");
                }
                double sum = 0;
                for (int i = 0; i < weights.length; i++) {
                    if (!(weights[i] >= 0)) {
                        throw error(f + ".weights[" + i + "]", "must be >= 0, got " + ValueSpec.num(weights[i]));
                    }
                    sum += weights[i];
                }
                if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
                    throw error(f + ".weights", "sum to " + ValueSpec.num(sum) + ", not 1 (within " + WEIGHT_SUM_TOLERANCE + ")");
                }
                return new ValueSpec.Choice(values, weights);
            }
            case "grid": {
                double[] values;
                if (body.isArray()) {
                    values = numbers(body, f, "an array of numbers");
                } else {
                    requireObject(body, f, "[v1, v2, ...] or {\"from\", \"to\", \"step\"}");
                    allowOnly(body, f, "from", "to", "step");
                    double from = finite(body, f, "from");
                    double to = finite(body, f, "to");
                    double step = finite(body, f, "step");
                    if (!(step > 0)) {
                        throw error(f + ".step", "must be positive, got " + ValueSpec.num(step));
                    }
                    if (!(from <= to)) {
                        throw error(f + ".to", "from " + ValueSpec.num(from) + " must not exceed to " + ValueSpec.num(to));
                    }
                    long count = (long) Math.floor((to - from) / step + 1e-9) + 1;
                    if (count > MAX_GRID_VALUES) {
                        throw error(f, "has " + count + " values, more than " + MAX_GRID_VALUES);
                    }
                    values = new double[(int) count];
                    for (int k = 0; k < count; k++) {
                        values[k] = Math.round((from + k * step) * 1e9) / 1e9;
                    }
                }
                if (values.length == 0) {
                    throw error(f, "must not be empty");
                }
                if (values.length > MAX_GRID_VALUES) {
                    throw error(f, "has " + values.length + " values, more than " + MAX_GRID_VALUES);
                }
                return new ValueSpec.Grid(values);
            }
            case "expr": {
                if (!body.isTextual() || body.textValue().isBlank()) {
                    throw error(f, "must be a string expression over named parameters, got " + body);
                }
                try {
                    return new ValueSpec.Expr(body.textValue(), Expression.compile(body.textValue(), names));
                } catch (Expression.SyntaxException e) {
                    throw error(f, e.getMessage());
                }
            }
            default:
                throw new IllegalStateException(kind);
        }
    }

    private static String iterable(Iterator<String> it) {
        List<String> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l.toString();
    }

    private double[] numbers(JsonNode n, String field, String shape) throws ScenarioSpecException {
        if (!n.isArray()) {
            throw error(field, "must be " + shape + ", got " + n);
        }
        double[] v = new double[n.size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode e = n.get(i);
            if (!e.isNumber() || !Double.isFinite(e.doubleValue())) {
                throw error(field + "[" + i + "]", "must be a finite number, got " + e);
            }
            v[i] = e.doubleValue();
        }
        return v;
    }

    private void requireObject(JsonNode n, String field, String shape) throws ScenarioSpecException {
        if (!n.isObject()) {
            throw error(field, "must be " + shape + ", got " + n);
        }
    }

    private JsonNode required(JsonNode n, String field, String name) throws ScenarioSpecException {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            throw error(field + "." + name, "is required");
        }
        return v;
    }

    private double finite(JsonNode n, String field, String name) throws ScenarioSpecException {
        JsonNode v = required(n, field, name);
        if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
            throw error(field + "." + name, "must be a finite number, got " + v);
        }
        return v.doubleValue();
    }

    private void allowOnly(JsonNode n, String field, String... allowed) throws ScenarioSpecException {
        Set<String> ok = Set.of(allowed);
        Iterator<String> it = n.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (!ok.contains(k)) {
                throw error(field + "." + k, "is not part of this value spec (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    private ScenarioSpecException error(String field, String why) {
        return new ScenarioSpecException(source, field, why);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
