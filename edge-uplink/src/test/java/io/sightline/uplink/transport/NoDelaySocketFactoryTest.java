package io.sightline.uplink.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.Test;

class NoDelaySocketFactoryTest {

    @Test
    void plainBrokerUrlsGetNoDelaySocketsAndTlsUrlsKeepPahosFactory() {
        MqttConnectOptions plain = MqttUplinkTransport.connectOptions("tcp://127.0.0.1:1883");
        assertInstanceOf(NoDelaySocketFactory.class, plain.getSocketFactory());
        assertEquals(MqttConnectOptions.MQTT_VERSION_3_1_1, plain.getMqttVersion());
        assertTrue(plain.isCleanSession());

        assertNull(MqttUplinkTransport.connectOptions("ssl://broker.example:8883").getSocketFactory(),
                "a TLS URL must keep Paho's SSL socket factory, which carries the TLS settings");
    }

    @Test
    void everyWayOfOpeningASocketSetsNoDelayAndConnects() throws IOException {
        NoDelaySocketFactory factory = new NoDelaySocketFactory();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 10, loopback)) {
            int port = server.getLocalPort();
            try (Socket unconnected = factory.createSocket()) {
                assertTrue(unconnected.getTcpNoDelay());
                assertFalse(unconnected.isConnected(), "Paho connects the socket itself, with its own timeout");
            }
            for (Socket s : new Socket[] {
                    factory.createSocket(loopback.getHostAddress(), port),
                    factory.createSocket(loopback, port),
                    factory.createSocket(loopback.getHostAddress(), port, loopback, 0),
                    factory.createSocket(loopback, port, loopback, 0)}) {
                try (s; Socket accepted = server.accept()) {
                    assertTrue(s.isConnected());
                    assertTrue(s.getTcpNoDelay());
                    assertEquals(s.getLocalPort(), accepted.getPort());
                }
            }
        }
    }

    @Test
    void aRefusedConnectionIsReportedNotLeaked() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        assertThrows(java.net.ConnectException.class, () -> new NoDelaySocketFactory().createSocket(InetAddress.getLoopbackAddress(), closedPort));
    }
}
