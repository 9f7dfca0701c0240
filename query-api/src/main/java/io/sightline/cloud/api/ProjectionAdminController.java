package io.sightline.cloud.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Admin operations on projections. A rebuild stops the processor, resets its tokens (the
 * projection's {@code @ResetHandler} empties its tables) and starts it again, so it replays the
 * whole store; handlers marked {@code @DisallowReplay} do not fire again.
 */
@RestController
@RequestMapping("/api/v1/admin/projections")
public class ProjectionAdminController {

    private final EventProcessingConfiguration processing;

    public ProjectionAdminController(EventProcessingConfiguration processing) {
        this.processing = processing;
    }

    @GetMapping
    public List<Map<String, Object>> list() {
        return processing.eventProcessors().values().stream()
                .filter(PooledStreamingEventProcessor.class::isInstance)
                .map(p -> status((PooledStreamingEventProcessor) p))
                .toList();
    }

    @PostMapping("/{name}/rebuild")
    public ResponseEntity<?> rebuild(@PathVariable("name") String name) {
        var processor = processing.eventProcessor(name, PooledStreamingEventProcessor.class);
        if (processor.isEmpty()) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                    "no projection named '" + name + "'; GET /api/v1/admin/projections lists them");
            problem.setTitle("Unknown projection");
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem);
        }
        PooledStreamingEventProcessor p = processor.get();
        p.shutDown();
        p.resetTokens();
        p.start();
        return ResponseEntity.accepted().body(status(p));
    }

    private static Map<String, Object> status(PooledStreamingEventProcessor p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.getName());
        m.put("running", p.isRunning());
        m.put("replaying", p.isReplaying());
        m.put("segmentsClaimed", p.processingStatus().size());
        return m;
    }
}
