package io.sightline.eval.family;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.edge.scenario.ScenarioSpecParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A scenario family: a scenario spec whose numeric fields may be distributions, grids or
 * expressions (format: {@code scenarios/families/README.md}). Built by {@link FamilyParser}.
 *
 * <p>A run is (cell, seed). The cell picks one value of every grid (the last grid varies fastest);
 * the seed picks every random parameter, from one {@link Random} seeded with a SplitMix64 mix of
 * the seed, one uniform per random parameter in file order (named parameters first, then the
 * inline ones in document order), and the detector and vehicle-state noise, which the scenario
 * runner draws from {@code new Random(seed)} as for any scenario. Same family, cell and seed: same
 * parameters, same result.
 */
public final class ScenarioFamily {

    /** Hazards must warn (the expectation names an alert); benign families must not alert. */
    public enum Kind { HAZARD, BENIGN }

    /**
     * One parameter of the family.
     *
     * @param name a named parameter's name, or an inline one's JSON path ({@code actors[0].lateralM})
     * @param path where an inline parameter sits in the scenario (keys and indices); empty for a named one
     */
    public record Parameter(String name, ValueSpec spec, List<Object> path) {
        public boolean named() {
            return path.isEmpty();
        }
    }

    /** One run's scenario, its parameter values and its id. */
    public record Instance(String runId, int cell, long seed, Map<String, Double> values, ObjectNode json,
                           ScenarioSpec spec) {
    }

    private final String id;
    private final String description;
    private final String source;
    private final String file;
    private final String sha256;
    private final String suite;
    private final ObjectNode template;
    private final List<Parameter> parameters;
    private final int[] gridParams;
    private final int cells;
    private final ScenarioSpec.Expectation expectation;

    ScenarioFamily(String id, String description, String source, String file, String sha256, String suite,
                   ObjectNode template, List<Parameter> parameters, ScenarioSpec.Expectation expectation) {
        this.id = id;
        this.description = description;
        this.source = source;
        this.file = file;
        this.sha256 = sha256;
        this.suite = suite;
        this.template = template;
        this.parameters = List.copyOf(parameters);
        List<Integer> grids = new ArrayList<>();
        int c = 1;
        for (int i = 0; i < parameters.size(); i++) {
            if (parameters.get(i).spec() instanceof ValueSpec.Grid g) {
                grids.add(i);
                c = Math.multiplyExact(c, g.values().length);
            }
        }
        this.gridParams = grids.stream().mapToInt(Integer::intValue).toArray();
        this.cells = c;
        this.expectation = expectation;
    }

    /**
     * A family whose runs are not scenarios of the simulator (a video suite's group of composited
     * clips): it has parameters, cells and seeded draws ({@link #values(int, long)}) and an
     * expectation, so the report builder and writer serve it unchanged, but no scenario template;
     * {@link #instantiate(int, long)} is not available on it.
     */
    public static ScenarioFamily withoutTemplate(String id, String description, String source, String file, String sha256,
                                                 String suite, List<Parameter> parameters, ScenarioSpec.Expectation expectation) {
        return new ScenarioFamily(id, description, source, file, sha256, suite, null, parameters, expectation);
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** Where the family's values come from (protocol, version, section), as its file says. */
    public String source() {
        return source;
    }

    /** The file as named on the command line or found in a suite. */
    public String file() {
        return file;
    }

    public String sha256() {
        return sha256;
    }

    /** The shipped suite it belongs to, or null for a file named with --family. */
    public String suite() {
        return suite;
    }

    public List<Parameter> parameters() {
        return parameters;
    }

    public ScenarioSpec.Expectation expectation() {
        return expectation;
    }

    public Kind kind() {
        return expectation instanceof ScenarioSpec.NoAlert ? Kind.BENIGN : Kind.HAZARD;
    }

    /** The number of grid cells: the product of the grids' sizes, 1 without a grid. */
    public int cells() {
        return cells;
    }

    public boolean hasGrid() {
        return gridParams.length > 0;
    }

    /** The grid parameters, in file order. */
    public List<Parameter> gridParameters() {
        List<Parameter> g = new ArrayList<>();
        for (int i : gridParams) {
            g.add(parameters.get(i));
        }
        return g;
    }

    /** The grid values of a cell, keyed by parameter name, in file order. */
    public Map<String, Double> cellValues(int cell) {
        Map<String, Double> m = new LinkedHashMap<>();
        int[] idx = cellIndices(cell);
        for (int k = 0; k < gridParams.length; k++) {
            Parameter p = parameters.get(gridParams[k]);
            m.put(p.name(), ((ValueSpec.Grid) p.spec()).values()[idx[k]]);
        }
        return m;
    }

    private int[] cellIndices(int cell) {
        if (cell < 0 || cell >= cells) {
            throw new IllegalArgumentException("cell " + cell + " outside 0.." + (cells - 1) + " of " + id);
        }
        int[] idx = new int[gridParams.length];
        int rest = cell;
        for (int k = gridParams.length - 1; k >= 0; k--) {
            int size = ((ValueSpec.Grid) parameters.get(gridParams[k]).spec()).values().length;
            idx[k] = rest % size;
            rest /= size;
        }
        return idx;
    }

    public static String runId(String familyId, int cell, long seed) {
        return familyId + "/c" + cell + "/s" + seed;
    }

    /** Parameter values of run (cell, seed), in parameter order. */
    public double[] values(int cell, long seed) {
        return valuesFromUniforms(cell, uniforms(seed));
    }

    /** How many uniform draws a run takes: one per random parameter, in file order. */
    public int randomParameters() {
        int n = 0;
        for (Parameter p : parameters) {
            n += p.spec().random() ? 1 : 0;
        }
        return n;
    }

    /** The uniform draws of run seed {@code seed}, one per random parameter in file order. */
    public double[] uniforms(long seed) {
        Random rng = new Random(mix(seed));
        double[] u = new double[randomParameters()];
        for (int i = 0; i < u.length; i++) {
            u[i] = rng.nextDouble();
        }
        return u;
    }

    /**
     * Parameter values of a run in {@code cell} whose random parameters take the uniform draws
     * {@code u} (through their inverse CDFs): how an importance sampler runs draws it chose itself.
     */
    public double[] valuesFromUniforms(int cell, double[] u) {
        if (u.length != randomParameters()) {
            throw new IllegalArgumentException(id + " takes " + randomParameters() + " uniform draws, got " + u.length);
        }
        double[] v = new double[parameters.size()];
        int[] idx = cellIndices(cell);
        int g = 0;
        int r = 0;
        for (int i = 0; i < v.length; i++) {
            ValueSpec s = parameters.get(i).spec();
            if (s instanceof ValueSpec.Grid grid) {
                v[i] = grid.values()[idx[g++]];
            } else if (s.random()) {
                v[i] = s.sample(u[r++]);
            } else if (s instanceof ValueSpec.Expr e) {
                v[i] = e.expression().evaluate(v);
            } else {
                v[i] = ((ValueSpec.Fixed) s).value();
            }
        }
        return v;
    }

    /** The scenario of a run in {@code cell} with the random parameters' uniform draws {@code u} and noise seed {@code seed}. */
    public Instance instantiateWithUniforms(int cell, long seed, double[] u) throws ScenarioSpecException {
        return instantiate(cell, seed, valuesFromUniforms(cell, u));
    }

    /** The scenario of run (cell, seed), validated like any scenario file. */
    public Instance instantiate(int cell, long seed) throws ScenarioSpecException {
        return instantiate(cell, seed, values(cell, seed));
    }

    Instance instantiate(int cell, long seed, double[] v) throws ScenarioSpecException {
        ObjectNode json = fill(v, seed);
        ScenarioSpec spec = ScenarioSpecParser.parse(json, file);
        Map<String, Double> named = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
            named.put(parameters.get(i).name(), v[i]);
        }
        return new Instance(runId(id, cell, seed), cell, seed, Collections.unmodifiableMap(named), json, spec);
    }

    ObjectNode fill(double[] v, long seed) {
        if (template == null) {
            throw new UnsupportedOperationException(id + " has no scenario template: its runs are not simulator scenarios");
        }
        ObjectNode json = template.deepCopy();
        for (int i = 0; i < v.length; i++) {
            Parameter p = parameters.get(i);
            if (p.named()) {
                continue;
            }
            JsonNode parent = json;
            List<Object> path = p.path();
            for (int k = 0; k < path.size() - 1; k++) {
                Object seg = path.get(k);
                parent = seg instanceof Integer n ? parent.get(n) : parent.get((String) seg);
            }
            Object last = path.get(path.size() - 1);
            JsonNode value = numberNode(v[i]);
            if (last instanceof Integer n) {
                ((ArrayNode) parent).set(n, value);
            } else {
                ((ObjectNode) parent).set((String) last, value);
            }
        }
        ObjectNode noise = (ObjectNode) json.get("noise");
        if (noise != null) {
            noise.put("seed", seed);
        }
        return json;
    }

    /** Integral values become JSON integers, so that integer fields (image width) accept them. */
    static JsonNode numberNode(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 9.0e15) {
            return LongNode.valueOf((long) v);
        }
        return DoubleNode.valueOf(v);
    }

    /** SplitMix64's finaliser: the parameter stream's seed, decorrelated from the noise stream's. */
    static long mix(long seed) {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
