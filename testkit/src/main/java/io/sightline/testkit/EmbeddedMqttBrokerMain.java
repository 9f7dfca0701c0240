package io.sightline.testkit;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link EmbeddedMqttBroker}: HiveMQ CE on {@code 127.0.0.1:PORT}, in-memory
 * persistence, until its standard input closes (the parent stopped it, or the parent died: a broker
 * never outlives the tests that started it). Arguments: {@code PORT HOME}.
 */
public final class EmbeddedMqttBrokerMain {

    private EmbeddedMqttBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path home = Path.of(args[1]);
        Path conf = Files.createDirectories(home.resolve("conf"));
        // Usage statistics off: a test's broker must not phone home (and these machines have no network).
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>127.0.0.1</bind-address>
                        </tcp-listener>
                    </listeners>
                    <persistence>
                        <mode>in-memory</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(port));
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(home.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
                .withoutLoggingBootstrap()
                .build();
        hivemq.start().get(60, TimeUnit.SECONDS);
        System.out.println("sightline-test-broker listening on 127.0.0.1:" + port);
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent never writes; EOF is the stop signal
        }
        hivemq.stop().get(30, TimeUnit.SECONDS);
        hivemq.close();
        System.exit(0);
    }
}
