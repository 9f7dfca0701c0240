package io.sightline.uplink.it;

import io.sightline.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.ingest.MqttIngestionSubscriber;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.testkit.TestBroker;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.VehicleSimulator;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.sign.SignedBatch;
import io.sightline.uplink.transport.MqttUplinkTransport;
import io.sightline.uplink.upload.Uploader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's fault test, end to end on the real broker and the real database: several vehicles
 * stream 200,000+ events over MQTT into cloud replicas sharing one subscription while the edges
 * lose their broker connections, one edge restarts, replicas are killed and replaced (once all of
 * them at the same time), and old batches are delivered again. Afterwards every session in the
 * store must be exactly its journal: same ids, same order, none missing, none doubled.
 */
class MqttFaultToleranceTest {

    static final int VEHICLES = 4;
    static final int EVENTS_PER_VEHICLE = 51_000;
    static final long T0 = 1_764_000_000_000_000_000L;
    static final EventCodec CODEC = new EventCodec();

    @TempDir
    Path dir;

    /** One simulated vehicle: journal, key, MQTT transport and uploader, restartable. */
    final class Vehicle {
        final int index;
        final String vehicleId;
        final String sessionId;
        final DeviceIdentity identity;
        final VehicleSimulator sim;
        final String topicRoot;
        final String broker;
        volatile EdgeJournal journal;
        volatile MqttUplinkTransport transport;
        volatile Uploader uploader;
        volatile boolean produced;
        final List<Uploader.Stats> finishedStats = new CopyOnWriteArrayList<>();

        Vehicle(int index, String runTag, String topicRoot, String broker) {
            this.index = index;
            this.vehicleId = "veh-" + index;
            this.sessionId = "fault-" + runTag + "-" + index;
            this.topicRoot = topicRoot;
            this.broker = broker;
            this.identity = DeviceIdentity.loadOrCreate(dir.resolve(vehicleId + "/device.key"), "dev-fault-" + runTag + "-" + index);
            this.sim = new VehicleSimulator(sessionId, "fleet-fault", vehicleId, identity.deviceId(), T0 + index, 500);
            open();
        }

        void open() {
            journal = EdgeJournal.open(dir.resolve(vehicleId + "/journal.db"), 1L << 30);
            transport = new MqttUplinkTransport(broker, topicRoot, "fleet-fault", vehicleId, Duration.ofSeconds(3), CODEC.mapper());
            uploader = new Uploader(journal, new BatchSigner(identity, CODEC.mapper()), transport,
                    Uploader.Settings.defaults().withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)));
            uploader.start();
        }

        /** Edge restart: everything closed, then reopened from the files on disk. */
        void restart() {
            uploader.close();
            finishedStats.add(uploader.stats());
            transport.close();
            journal.close();
            open();
        }

        void produce() {
            journal.append(sessionId, sim.start());
            boolean restarted = false;
            while (journal.session(sessionId).nextSequence() < EVENTS_PER_VEHICLE) {
                // 25 frames (one second of driving) per transaction, as a real edge batches per frame group.
                journal.append(sessionId, sim.frames(25));
                uploader.wake();
                if (index == 0 && !restarted && journal.session(sessionId).nextSequence() > EVENTS_PER_VEHICLE / 2) {
                    restarted = true;
                    System.out.println("FAULT: edge " + vehicleId + " restarts (journal, key and uploader closed and reopened)");
                    restart();
                }
            }
            produced = true;
        }

        long acked() {
            return state().map(EdgeJournal.SessionState::ackedSequence).orElse(0L);
        }

        long total() {
            return state().map(EdgeJournal.SessionState::nextSequence).orElse(0L);
        }

        /** Empty until the producer's first append, and while the edge is restarting. */
        java.util.Optional<EdgeJournal.SessionState> state() {
            try {
                return journal.sessions().stream().filter(s -> s.sessionId().equals(sessionId)).findFirst();
            } catch (RuntimeException closedDuringRestart) {
                return java.util.Optional.empty();
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everySessionInTheStoreIsExactlyItsJournalAfterDisconnectsCloudRestartsAndRedeliveries() throws Exception {
        String broker = TestBroker.url();
        String runTag = UUID.randomUUID().toString().substring(0, 8);
        String topicRoot = "sightline-it-" + runTag;
        String shareGroup = "ingest-" + runTag;
        TestPostgres.Database db = TestPostgres.freshDatabase("mqtt_fault");
        long startNanos = System.nanoTime();

        List<CloudNode> replicas = new CopyOnWriteArrayList<>();
        Map<CloudNode, String> names = new ConcurrentHashMap<>();
        Map<String, Long> handledByReplica = new ConcurrentHashMap<>();
        CloudNode a = CloudNode.start(db, false, broker, topicRoot, shareGroup);
        CloudNode b = CloudNode.start(db, false, broker, topicRoot, shareGroup);
        replicas.add(a);
        replicas.add(b);
        names.put(a, "A");
        names.put(b, "B");
        System.out.printf("cloud replicas A and B up in %.1f s%n", (System.nanoTime() - startNanos) / 1e9);

        List<Vehicle> vehicles = new ArrayList<>();
        for (int i = 0; i < VEHICLES; i++) {
            Vehicle v = new Vehicle(i, runTag, topicRoot, broker);
            a.bean(DeviceKeyRegistry.class).register(v.identity.deviceId(), v.identity.publicKeyBase64());
            vehicles.add(v);
        }
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        List<Thread> producers = new ArrayList<>();
        for (Vehicle v : vehicles) {
            Thread t = new Thread(() -> {
                try {
                    v.produce();
                } catch (Throwable e) {
                    producerFailure.set(e);
                }
            }, "producer-" + v.vehicleId);
            t.start();
            producers.add(t);
        }

        long target = (long) VEHICLES * EVENTS_PER_VEHICLE;
        long streamStart = System.nanoTime();
        long lastPrint = 0;
        int faults = 0;
        List<RedeliveryReply> redeliveryReplies = new CopyOnWriteArrayList<>();
        Map<String, Integer> redeliveredBatches = new ConcurrentHashMap<>();
        long deadline = System.currentTimeMillis() + 200_000;
        while (System.currentTimeMillis() < deadline && producerFailure.get() == null) {
            long acked = vehicles.stream().mapToLong(Vehicle::acked).sum();
            long journaled = vehicles.stream().mapToLong(Vehicle::total).sum();
            boolean done = vehicles.stream().allMatch(v -> v.produced && v.acked() == v.total() && v.total() > 0);
            double share = acked / (double) target;
            if (System.currentTimeMillis() - lastPrint > 2_000 || done) {
                lastPrint = System.currentTimeMillis();
                double s = (System.nanoTime() - streamStart) / 1e9;
                System.out.printf("t=%5.1f s journaled %,d acked %,d (%.0f%%) %,.0f events/s, replicas %s%n", s, journaled, acked,
                        share * 100, acked / s, replicas.stream().map(names::get).toList());
            }
            if (done) {
                break;
            }
            if (faults == 0 && share >= 0.12) {
                faults++;
                System.out.println("FAULT: every edge loses its broker connection");
                vehicles.forEach(v -> v.transport.dropConnection());
            } else if (faults == 1 && share >= 0.25) {
                faults++;
                System.out.println("FAULT: replica A killed; replica C started");
                kill(a, replicas, names, handledByReplica);
                CloudNode c = CloudNode.start(db, false, broker, topicRoot, shareGroup);
                names.put(c, "C");
                replicas.add(c);
            } else if (faults == 2 && share >= 0.40) {
                faults++;
                System.out.println("FAULT: old batches delivered again");
                redeliver(broker, topicRoot, vehicles, redeliveredBatches, redeliveryReplies);
            } else if (faults == 3 && share >= 0.55) {
                faults++;
                System.out.println("FAULT: every replica killed for 3 s, then D and E started");
                for (CloudNode n : List.copyOf(replicas)) {
                    kill(n, replicas, names, handledByReplica);
                }
                // The outage itself: no replica consumes for 3 s, and the broker holds the shared subscription's messages.
                Thread.sleep(3_000);
                CloudNode d = CloudNode.start(db, false, broker, topicRoot, shareGroup);
                CloudNode e = CloudNode.start(db, false, broker, topicRoot, shareGroup);
                names.put(d, "D");
                names.put(e, "E");
                replicas.add(d);
                replicas.add(e);
            } else if (faults == 4 && share >= 0.75) {
                faults++;
                System.out.println("FAULT: every edge loses its broker connection again");
                vehicles.forEach(v -> v.transport.dropConnection());
            }
            // The fault scheduler's tick: it looks at the acknowledged share ten times a second.
            Thread.sleep(100);
        }
        double streamSeconds = (System.nanoTime() - streamStart) / 1e9;
        for (Thread t : producers) {
            t.join(10_000);
        }
        assertThat(producerFailure.get()).as("producer failure").isNull();
        assertThat(faults).as("faults injected").isEqualTo(5);
        for (Vehicle v : vehicles) {
            assertThat(v.acked()).as("%s acknowledged (blocked: %s)", v.vehicleId, v.journal.session(v.sessionId).blockedReason())
                    .isEqualTo(v.total());
        }

        CloudNode live = replicas.get(0);
        long total = 0;
        for (Vehicle v : vehicles) {
            total += Uplinks.assertStoreEqualsJournal(live.jdbc(), v.journal);
        }
        assertThat(total).isGreaterThanOrEqualTo(200_000);
        assertThat(live.jdbc().queryForObject("select count(*) from domain_event_entry", Long.class)).isEqualTo(total);
        // Without a batch sent again, the replies below would hold trivially.
        int redelivered = redeliveredBatches.size();
        long redeliveredEvents = redeliveredBatches.values().stream().mapToLong(Integer::intValue).sum();
        assertThat(redelivered).as("batches re-delivered").isPositive();
        assertThat(redeliveryReplies).as("replies to re-delivered batches").hasSize(redelivered)
                .allMatch(r -> r.status().equals("ACKNOWLEDGED") && r.stored() == 0 && r.duplicates() == redeliveredBatches.get(r.batchId()));
        assertThat(redeliveryReplies.stream().mapToLong(RedeliveryReply::duplicates).sum())
                .as("events the cloud acknowledged as duplicates of the re-delivered batches").isEqualTo(redeliveredEvents).isPositive();
        for (CloudNode n : replicas) {
            handledByReplica.put(names.get(n), n.bean(MqttIngestionSubscriber.class).batchesHandled());
        }
        if (TestBroker.embedded()) {
            // HiveMQ CE may give one member of a shared subscription every message (the spec allows it): the replicas
            // decided batches between them.
            assertThat(handledByReplica.get("A") + handledByReplica.get("B")).isPositive();
        } else {
            // Mosquitto hands a shared subscription's messages out in turn: both original replicas decided batches.
            assertThat(handledByReplica.get("A")).isPositive();
            assertThat(handledByReplica.get("B")).isPositive();
        }

        long duplicates = vehicles.stream().mapToLong(v -> v.uploader.stats().duplicateEvents()
                + v.finishedStats.stream().mapToLong(Uploader.Stats::duplicateEvents).sum()).sum();
        long failures = vehicles.stream().mapToLong(v -> v.uploader.stats().transportFailures()
                + v.finishedStats.stream().mapToLong(Uploader.Stats::transportFailures).sum()).sum();
        System.out.printf("RESULT: %,d events from %d vehicles over MQTT, exactly once, in %.1f s streaming (%.0f events/s incl. faults);"
                        + " %d transport failures, %,d duplicate events acknowledged, %d batches re-delivered; batches per replica %s;"
                        + " test total %.1f s%n", total, VEHICLES, streamSeconds, total / streamSeconds, failures, duplicates, redelivered,
                handledByReplica, (System.nanoTime() - startNanos) / 1e9);

        for (Vehicle v : vehicles) {
            v.uploader.close();
            v.transport.close();
            v.journal.close();
        }
        for (CloudNode n : replicas) {
            n.close();
        }
    }

    /** The cloud's answer to one batch the test sent again. */
    record RedeliveryReply(String batchId, String status, int stored, int duplicates, String about) {
        @Override
        public String toString() {
            return status + " stored=" + stored + " dup=" + duplicates + " " + about;
        }
    }

    private static void kill(CloudNode node, List<CloudNode> replicas, Map<CloudNode, String> names, Map<String, Long> handled) {
        handled.put(names.get(node), node.bean(MqttIngestionSubscriber.class).batchesHandled());
        replicas.remove(node);
        node.close();
    }

    /**
     * Publishes already-acknowledged batches again, as a broker or a confused edge might, and
     * collects the cloud's replies: each must be an ack that stored nothing.
     */
    private static void redeliver(String broker, String topicRoot, List<Vehicle> vehicles, Map<String, Integer> sentBatches,
                                  List<RedeliveryReply> replies) throws Exception {
        MqttClient client = new MqttClient(broker, "sightline-test-redeliver-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        client.connect(o);
        client.subscribe(topicRoot + "/fleet-fault/+/ack", 1, (topic, message) -> {
            JsonNode n = CODEC.mapper().readTree(message.getPayload());
            if (sentBatches.containsKey(n.path("batchId").asText())) {
                replies.add(new RedeliveryReply(n.path("batchId").asText(), n.path("status").asText(), n.path("storedCount").asInt(),
                        n.path("duplicateCount").asInt(), n.path("sessionId").asText() + "@" + n.path("firstSequence").asLong() + " next="
                        + n.path("nextExpectedSequence").asLong() + " " + n.path("detail").asText("")));
            }
        });
        for (Vehicle v : vehicles) {
            long acked = v.acked();
            for (long from : new long[] {0, acked / 2, Math.max(0, acked - 500)}) {
                List<EdgeJournal.StoredEvent> events = v.journal.read(v.sessionId, from, 500, Long.MAX_VALUE);
                if (from + events.size() > acked) {
                    continue;
                }
                SignedBatch batch = new BatchSigner(v.identity, CODEC.mapper()).sign(v.sessionId, events);
                sentBatches.put(batch.batchId(), events.size());
                client.publish(topicRoot + "/fleet-fault/" + v.vehicleId + "/events", batch.toJsonBytes(CODEC.mapper()), 1, false);
            }
        }
        try {
            Await.until("a reply to every re-delivered batch", Duration.ofSeconds(15), () -> replies.size() >= sentBatches.size(),
                    () -> "; " + replies.size() + " of " + sentBatches.size());
        } finally {
            client.disconnect();
        }
        client.close();
    }
}
