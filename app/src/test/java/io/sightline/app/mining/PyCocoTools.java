package io.sightline.app.mining;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Loads a COCO export with the reference implementation, pycocotools, in a Python process: the
 * labels with {@code COCO()}, the predictions with {@code loadRes} and one {@code COCOeval} pass when
 * there are any. A missing Python or pycocotools fails the test with how to install it; it never skips.
 */
final class PyCocoTools {

    static final String INSTALL = "python3 -m pip install pycocotools (.ci/run installs it)";

    private static final String SCRIPT = String.join("\n",
            "import json, sys",
            "from pycocotools.coco import COCO",
            "from pycocotools.cocoeval import COCOeval",
            "gt = COCO(sys.argv[1])",
            "preds = json.load(open(sys.argv[2]))",
            "evaluated = False",
            "if preds:",
            "    dt = gt.loadRes(sys.argv[2])",
            "    e = COCOeval(gt, dt, 'bbox')",
            "    e.evaluate(); e.accumulate()",
            "    evaluated = True",
            "print('RESULT ' + json.dumps({'images': len(gt.getImgIds()), 'annotations': len(gt.getAnnIds()),",
            "    'categories': len(gt.getCatIds()), 'predictions': len(preds), 'evaluated': evaluated}))");

    private PyCocoTools() {
    }

    record Loaded(int images, int annotations, int categories, int predictions, boolean evaluated) {
    }

    static Loaded load(Path annotations, Path predictions) throws Exception {
        Run check = run(List.of("python3", "-c", "import pycocotools.coco, pycocotools.cocoeval"));
        if (check.exit != 0) {
            fail("pycocotools cannot be imported by python3 (" + check.out.strip() + "); install it: " + INSTALL);
        }
        Run r = run(List.of("python3", "-c", SCRIPT, annotations.toString(), predictions.toString()));
        if (r.exit != 0) {
            fail("pycocotools refused the export (exit " + r.exit + "):\n" + r.out);
        }
        String line = r.out.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                .orElseThrow(() -> new AssertionError("no result from pycocotools:\n" + r.out));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring("RESULT ".length()));
        return new Loaded(json.get("images").asInt(), json.get("annotations").asInt(), json.get("categories").asInt(),
                json.get("predictions").asInt(), json.get("evaluated").asBoolean());
    }

    private record Run(int exit, String out) {
    }

    private static Run run(List<String> command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("python3 is not on the PATH (" + e.getMessage() + "); install Python 3 and then " + INSTALL);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return fail("python3 did not finish in 120 s:\n" + out);
        }
        return new Run(p.exitValue(), out);
    }
}
