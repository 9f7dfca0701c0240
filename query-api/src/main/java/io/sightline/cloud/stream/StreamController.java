package io.sightline.cloud.stream;

import io.sightline.cloud.security.FleetScope;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Server-Sent Event streams for safety apps; the fleet comes from the token. */
@RestController
@RequestMapping("/api/v1/streams")
public class StreamController {

    private final EventStreamService streams;

    public StreamController(EventStreamService streams) {
        this.streams = streams;
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter events(Authentication auth,
            @RequestHeader(name = "Last-Event-ID", required = false) Long lastEventId,
            @RequestParam(name = "vehicle", required = false) String vehicle,
            @RequestParam(name = "types", required = false) String types) {
        return streams.subscribe(new StreamFilter(FleetScope.of(auth).fleetId(), vehicle, parseTypes(types)), lastEventId,
                StreamWriterStart::whenRequestThreadLeaves);
    }

    @GetMapping(path = "/alerts", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter alerts(Authentication auth,
            @RequestHeader(name = "Last-Event-ID", required = false) Long lastEventId,
            @RequestParam(name = "vehicle", required = false) String vehicle) {
        return streams.subscribe(new StreamFilter(FleetScope.of(auth).fleetId(), vehicle, StreamFilter.ALERT_TYPES), lastEventId,
                StreamWriterStart::whenRequestThreadLeaves);
    }

    private static Set<String> parseTypes(String types) {
        if (types == null || types.isBlank()) {
            return Set.of();
        }
        Set<String> parsed = Arrays.stream(types.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        for (String t : parsed) {
            if (io.sightline.domain.event.EventCatalog.byName(t).isEmpty()) {
                throw new IllegalArgumentException("unknown event type '" + t + "' in 'types'; see docs/events.md");
            }
        }
        return parsed;
    }
}
