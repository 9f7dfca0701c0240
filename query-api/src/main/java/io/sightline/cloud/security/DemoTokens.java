package io.sightline.cloud.security;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.stereotype.Component;

/** Mints HS256 tokens for the demo and tests: one role set and one fleet per token. */
@Component
public class DemoTokens {

    private final JwtEncoder encoder;

    public DemoTokens(JwtEncoder encoder) {
        this.encoder = encoder;
    }

    public String mint(String subject, String fleetId, Duration validFor, String... roles) {
        Instant now = Instant.now();
        JwtClaimsSet claims = JwtClaimsSet.builder()
                .issuer("sightline-demo")
                .subject(subject)
                .issuedAt(now)
                .expiresAt(now.plus(validFor))
                .claim(Roles.FLEET_CLAIM, fleetId)
                .claim(Roles.ROLES_CLAIM, List.of(roles))
                .build();
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims)).getTokenValue();
    }
}
