package io.sightline.cloud.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sightline.cloud.config.IngestProperties;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * The cloud's record of each edge device's Ed25519 public key ({@code ingest_device_key}).
 * {@link #register} is the administrator's operation; ingestion only reads.
 *
 * <p>Keys are cached per replica for a short time, since every batch needs one; a revocation
 * reaches the other replicas within that time.
 */
@Service
public class DeviceKeyRegistry {

    public static final String ALGORITHM = "Ed25519";

    private final JdbcTemplate jdbc;
    private final Cache<String, Optional<ActiveDevice>> cache;

    public DeviceKeyRegistry(JdbcTemplate jdbc, IngestProperties properties) {
        this.jdbc = jdbc;
        this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofSeconds(properties.deviceKeyCacheSeconds()))
                .build();
    }

    /**
     * Registers (or replaces) a device's public key, without binding it to a fleet: for the
     * all-in-one run and for tests, where no administrator exists. The admin API always binds.
     *
     * @param publicKeyX509Base64 the X.509 SubjectPublicKeyInfo, Base64, as the edge's device key
     *                            file holds it ({@code publicKeyX509})
     * @throws IllegalArgumentException when the key is not an Ed25519 public key
     */
    public void register(String deviceId, String publicKeyX509Base64) {
        register(deviceId, null, publicKeyX509Base64);
    }

    /**
     * Registers (or replaces) a device's public key, bound to {@code fleetId}: ingestion then
     * refuses a session of that device that claims another fleet.
     *
     * @param fleetId the fleet the device belongs to, or null for an unbound device
     */
    public void register(String deviceId, String fleetId, String publicKeyX509Base64) {
        register(deviceId, fleetId, null, publicKeyX509Base64);
    }

    /**
     * Registers (or replaces) a device's public key, bound to {@code fleetId} and, when
     * {@code vehicleId} is given, to that one vehicle of it (V19): the device then reads only that
     * vehicle's assignment and the artifacts it was ever assigned, and ingestion refuses its sessions
     * for another vehicle. A replacement without a vehicle drops an earlier vehicle binding.
     *
     * @param vehicleId the vehicle the device is installed in, or null for today's fleet scope
     */
    public void register(String deviceId, String fleetId, String vehicleId, String publicKeyX509Base64) {
        if (vehicleId != null && fleetId == null) {
            throw new IllegalArgumentException("device " + deviceId + " cannot be bound to vehicle " + vehicleId
                    + " without a fleet; register it into the vehicle's fleet");
        }
        if (deviceId == null || deviceId.isBlank() || deviceId.length() > 255) {
            throw new IllegalArgumentException("device id must be 1..255 characters");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(publicKeyX509Base64.trim());
            decode(der);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not a Base64 X.509 Ed25519 public key for device " + deviceId + ": " + e.getMessage()
                    + ". Register the publicKeyX509 value from the device's key file.", e);
        }
        jdbc.update("insert into ingest_device_key (device_id, algorithm, public_key, fleet_id, vehicle_id) values (?, ?, ?, ?, ?)"
                + " on conflict (device_id) do update set public_key = excluded.public_key, algorithm = excluded.algorithm,"
                + " fleet_id = excluded.fleet_id, vehicle_id = excluded.vehicle_id, registered_at = now(), revoked_at = null",
                deviceId, ALGORITHM, der, fleetId, vehicleId);
        cache.invalidate(deviceId);
    }

    /** The fleet a device was registered into, or null when it is unknown or unbound. */
    public String registeredFleet(String deviceId) {
        List<String> fleets = jdbc.queryForList("select fleet_id from ingest_device_key where device_id = ?", String.class, deviceId);
        return fleets.isEmpty() ? null : fleets.get(0);
    }

    /** A registered, unrevoked device key as an administrator sees it. */
    public record RegisteredDevice(String deviceId, String fleetId, String vehicleId, String algorithm, byte[] publicKeyX509,
                                   java.time.Instant registeredAt) {
    }

    /**
     * The active keys of {@code fleetId}, by device id in code-point order (not the database's collation); only those
     * with no vehicle (the fleet-scoped ones) when {@code fleetScopedOnly}.
     */
    public List<RegisteredDevice> activeKeys(String fleetId, boolean fleetScopedOnly) {
        return jdbc.query("select device_id, fleet_id, vehicle_id, algorithm, public_key, registered_at from ingest_device_key"
                        + " where fleet_id = ? and revoked_at is null" + (fleetScopedOnly ? " and vehicle_id is null" : "")
                        + " order by device_id collate \"C\"",
                (rs, i) -> new RegisteredDevice(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBytes(5),
                        rs.getTimestamp(6).toInstant()), fleetId);
    }

    /** Revokes a device's key: its batches are refused from now on (after the cache time on other replicas). */
    public boolean revoke(String deviceId) {
        cache.invalidate(deviceId);
        return jdbc.update("update ingest_device_key set revoked_at = now() where device_id = ? and revoked_at is null", deviceId) > 0;
    }

    /**
     * A device's active key, the fleet it was registered into (null: unbound) and the vehicle it is
     * bound to (null: any vehicle of its fleet).
     */
    public record ActiveDevice(PublicKey key, String fleetId, String vehicleId) {
    }

    /** The active key of a device, or empty when it has none or it was revoked. */
    public Optional<PublicKey> activeKey(String deviceId) {
        return active(deviceId).map(ActiveDevice::key);
    }

    /** The active key, fleet and vehicle of a device, or empty when it has no key or it was revoked. */
    public Optional<ActiveDevice> active(String deviceId) {
        return cache.get(deviceId, id -> {
            List<ActiveDevice> found = jdbc.query("select public_key, fleet_id, vehicle_id from ingest_device_key where device_id = ?"
                    + " and revoked_at is null", (rs, i) -> {
                        try {
                            return new ActiveDevice(decode(rs.getBytes(1)), rs.getString(2), rs.getString(3));
                        } catch (GeneralSecurityException e) {
                            throw new IllegalStateException("stored key of device " + id + " is unreadable; register it again", e);
                        }
                    }, id);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
    }

    private static PublicKey decode(byte[] der) throws GeneralSecurityException {
        return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
    }
}
