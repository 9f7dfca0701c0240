package io.sightline.app.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What {@code rollout status} prints of a rollback's confirmation, from the API's view of it (ADR-0044). */
class RolloutConfirmationPrintTest {

    private static String printed(String json) throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            RolloutCommand.printConfirmation(new ObjectMapper().readTree(json));
        } finally {
            System.setOut(before);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String view(String status, String trigger, String eventId) {
        return "{\"status\":\"" + status + "\",\"deadlineSeconds\":86400,\"restoredVehicles\":3,\"confirmedVehicles\":1,"
                + "\"unconfirmedVehicleIds\":[\"veh-2\",\"veh-3\"],\"refusedVehicleIds\":[\"veh-2\",\"veh-3\"],"
                + "\"unconfirmedEventId\":" + (eventId == null ? "null" : "\"" + eventId + "\"") + ","
                + "\"unconfirmedTrigger\":" + (trigger == null ? "null" : "\"" + trigger + "\"") + "}";
    }

    @Test
    void anAlarmRaisedByRefusalsSaysItCameBeforeTheDeadline() throws Exception {
        String out = printed(view("UNCONFIRMED", "REFUSED", "ro-1/RolloutRollbackUnconfirmed"));
        assertThat(out).contains("1 of 3 vehicles confirmed the champion", "unconfirmed veh-2, veh-3", "refused     veh-2, veh-3",
                "alarm       ro-1/RolloutRollbackUnconfirmed, raised before the deadline: every unconfirmed vehicle refused the champion");
    }

    @Test
    void anAlarmAtTheDeadlineSaysSoAndAPendingRollbackHasNoAlarmLine() throws Exception {
        assertThat(printed(view("UNCONFIRMED", "DEADLINE", "ro-2/RolloutRollbackUnconfirmed")))
                .contains("alarm       ro-2/RolloutRollbackUnconfirmed, raised at the deadline");
        assertThat(printed(view("PENDING", null, null))).contains("rollback    PENDING").doesNotContain("alarm");
    }
}
