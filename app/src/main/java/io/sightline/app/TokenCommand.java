package io.sightline.app;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import io.sightline.cloud.security.DemoTokens;
import io.sightline.cloud.security.Roles;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sightline token}: mints an HS256 bearer token with the cloud's shared secret, for scripts
 * that provision a deployment (registering an edge's device key needs an admin token before any
 * user exists). Production deployments use an identity provider's tokens instead (JWK set URL).
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Mint a bearer token with the cloud's HS256 secret (env " + TokenCommand.SECRET_ENV + "),",
                "for provisioning scripts; prints only the token."})
public final class TokenCommand implements Callable<Integer> {

    /** The environment form of the cloud's sightline.security.jwt-secret: the same secret signs and verifies. */
    public static final String SECRET_ENV = "SIGHTLINE_SECURITY_JWT_SECRET";
    static final int MIN_SECRET_BYTES = 32;

    @Option(names = "--role", required = true, description = "investigator, auditor, safety-app or admin.")
    String role;

    @Option(names = "--fleet", required = true, description = "The fleet the token is scoped to.")
    String fleetId;

    @Option(names = "--subject", defaultValue = "provisioning", description = "Who the token names (default ${DEFAULT-VALUE}).")
    String subject;

    @Option(names = "--minutes", defaultValue = "60", description = "Validity (default ${DEFAULT-VALUE} minutes).")
    long minutes;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "Read the secret from this file (e.g. a Docker secret) instead of " + SECRET_ENV + ".")
    java.nio.file.Path secretFile;

    @Override
    public Integer call() {
        List<String> roles = List.of(Roles.INVESTIGATOR, Roles.AUDITOR, Roles.SAFETY_APP, Roles.ADMIN);
        if (!roles.contains(role)) {
            throw new IllegalArgumentException("--role must be one of " + String.join(", ", roles) + ", got '" + role + "'");
        }
        if (minutes < 1 || minutes > 24 * 60) {
            throw new IllegalArgumentException("--minutes must be 1..1440, got " + minutes);
        }
        String secret;
        if (secretFile != null) {
            try {
                secret = java.nio.file.Files.readString(secretFile).strip();
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read --secret-file " + secretFile + ": " + e.getMessage());
            }
        } else {
            secret = System.getenv(SECRET_ENV);
        }
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException(SECRET_ENV + " is not set: a token is only accepted by a cloud that shares its"
                    + " secret; set it to the cloud's sightline.security.jwt-secret");
        }
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(SECRET_ENV + " must be at least " + MIN_SECRET_BYTES + " bytes for HS256, got " + key.length);
        }
        DemoTokens tokens = new DemoTokens(new NimbusJwtEncoder(new ImmutableSecret<>(new SecretKeySpec(key, "HmacSHA256"))));
        System.out.println(tokens.mint(subject, fleetId, Duration.ofMinutes(minutes), role));
        return 0;
    }
}
