package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The cohort's vehicles refusing the challenger model ({@code ModelRejected} whose expected sha256 is
 * the challenger's: a wrong sha256 or signature, a download that failed, inputs that do not match)
 * or, since version 2, the challenger policy ({@code PolicyRejected}, the same checks plus a policy
 * that does not parse): a release the vehicles will not run is not rolled out further. More than
 * {@code maxRejections} since the step began fails it, on shadow and canary steps alike.
 */
@Component
public class EdgeRefusalsGate implements RolloutGate {

    @Override
    public String name() {
        return "edge-refusals";
    }

    @Override
    public String version() {
        return "2";
    }

    @Override
    public Map<String, Double> defaults() {
        return Map.of("maxRejections", 0.0);
    }

    @Override
    public String description() {
        return "ModelRejected of the challenger model or PolicyRejected of the challenger policy by a cohort vehicle since the step began";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        List<GateContext.Finding> refusals = c.findings().stream()
                .filter(f -> "model-rejected".equals(f.kind()) || "policy-rejected".equals(f.kind())).toList();
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("rejections", (double) refusals.size());
        v.put("vehiclesRejecting", (double) refusals.stream().map(GateContext.Finding::vehicleId).distinct().count());
        if (refusals.size() > Gates.threshold(t, "maxRejections")) {
            return Gates.result(this, RolloutGateResult.FAIL, v, t, refusals.size() + " refusal(s) of the challenger: "
                    + String.join("; ", refusals.stream().map(GateContext.Finding::detail).limit(3).toList()),
                    refusals.stream().map(GateContext.Finding::eventId).toList());
        }
        return Gates.result(this, RolloutGateResult.PASS, v, t, "no cohort vehicle refused the challenger", List.of());
    }
}
