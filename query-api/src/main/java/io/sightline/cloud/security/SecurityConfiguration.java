package io.sightline.cloud.security;

import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.shard.ShardOwnership;
import io.sightline.cloud.shard.ShardOwnershipFilter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;

/**
 * OAuth2 resource server with JWT bearer tokens: HS256 with a configured secret for the demo, or a
 * JWK set URL in production. Devices do not use tokens: their batches carry an Ed25519 signature
 * checked by ingestion, so {@code /api/v1/ingest} is open at this layer, and their reads of the assignment and the registry
 * are signed with the same key ({@link DeviceRequestAuthenticationFilter}, ADR-0042).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class SecurityConfiguration {

    @Bean
    SecurityFilterChain api(HttpSecurity http, ObjectProvider<ShardOwnership> shard, DeviceKeyRegistry deviceKeys) throws Exception {
        JwtGrantedAuthoritiesConverter roles = new JwtGrantedAuthoritiesConverter();
        roles.setAuthoritiesClaimName(Roles.ROLES_CLAIM);
        roles.setAuthorityPrefix("ROLE_");
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(roles);

        http
                // A stateless bearer-token API: no cookies, so no CSRF exposure.
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(HttpMethod.POST, "/api/v1/ingest").permitAll()
                        // Devices sign evidence uploads like their batches (ADR-0008); reads are the investigators'.
                        .requestMatchers(HttpMethod.PUT, "/api/v1/evidence/*").permitAll()
                        .requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/prometheus").permitAll()
                        .requestMatchers("/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html").permitAll()
                        .requestMatchers("/", "/ui/**", "/webjars/**", "/favicon.ico", "/error").permitAll()
                        .requestMatchers("/api/v1/streams/**").hasRole(Roles.SAFETY_APP)
                        .requestMatchers("/api/v1/exports/**").hasRole(Roles.AUDITOR)
                        .requestMatchers("/api/v1/admin/**").hasRole(Roles.ADMIN)
                        // Window requests (ADR-0027): an investigator, or a job holding an investigator token, asks the vehicle.
                        .requestMatchers(HttpMethod.POST, "/api/v1/sessions/*/windows").hasRole(Roles.INVESTIGATOR)
                        .requestMatchers("/api/v1/alerts/**", "/api/v1/sessions/**", "/api/v1/whatif/**", "/api/v1/evidence/**").hasRole(Roles.INVESTIGATOR)
                        .requestMatchers("/api/v1/quality").hasAnyRole(Roles.INVESTIGATOR, Roles.AUDITOR)
                        .requestMatchers("/api/v1/training/**").hasRole(Roles.INVESTIGATOR)
                        .requestMatchers(HttpMethod.GET, "/api/v1/monitoring/**").hasAnyRole(Roles.INVESTIGATOR, Roles.AUDITOR, Roles.ADMIN)
                        .requestMatchers(HttpMethod.POST, "/api/v1/monitoring/drift/reference").hasRole(Roles.ADMIN)
                        // Evaluations are stored by the release pipeline (admin) and read by whoever judges a rollout.
                        .requestMatchers(HttpMethod.POST, "/api/v1/evaluations").hasRole(Roles.ADMIN)
                        .requestMatchers(HttpMethod.GET, "/api/v1/evaluations").hasAnyRole(Roles.INVESTIGATOR, Roles.AUDITOR, Roles.ADMIN)
                        // The registry (issue 17 §1): an admin registers, the readers list and download.
                        .requestMatchers(HttpMethod.POST, "/api/v1/registry/**").hasRole(Roles.ADMIN)
                        // A vehicle downloads what it was assigned with its device key (ADR-0042); listing stays the readers'.
                        .requestMatchers(HttpMethod.GET, "/api/v1/registry/models/*", "/api/v1/registry/models/*/artifact",
                                "/api/v1/registry/policies/*", "/api/v1/registry/policies/*/artifact")
                        .hasAnyRole(Roles.INVESTIGATOR, Roles.AUDITOR, Roles.ADMIN, Roles.DEVICE)
                        .requestMatchers(HttpMethod.GET, "/api/v1/registry/**").hasAnyRole(Roles.INVESTIGATOR, Roles.AUDITOR, Roles.ADMIN)
                        .requestMatchers(HttpMethod.PUT, "/api/v1/assignments/**").hasRole(Roles.ADMIN)
                        .requestMatchers(HttpMethod.POST, "/api/v1/rollouts", "/api/v1/rollouts/**").hasRole(Roles.ADMIN)
                        .requestMatchers(HttpMethod.GET, "/api/v1/rollouts", "/api/v1/rollouts/**").hasAnyRole(Roles.INVESTIGATOR, Roles.AUDITOR, Roles.ADMIN)
                        // A vehicle reads the assignments of its own fleet only, and only its own when its key names it (V19).
                        .requestMatchers(HttpMethod.GET, "/api/v1/assignments/{fleetId}/{vehicleId}").access((authentication, context) ->
                                new org.springframework.security.authorization.AuthorizationDecision(authentication.get() instanceof DeviceAuthentication d
                                        ? d.mayRead(context.getVariables().get("fleetId"), context.getVariables().get("vehicleId"))
                                        : authentication.get().getAuthorities().stream().map(Object::toString).anyMatch(a ->
                                                a.equals("ROLE_" + Roles.INVESTIGATOR) || a.equals("ROLE_" + Roles.AUDITOR) || a.equals("ROLE_" + Roles.ADMIN))))
                        .requestMatchers(HttpMethod.GET, "/api/v1/assignments/**").hasAnyRole(Roles.INVESTIGATOR, Roles.AUDITOR, Roles.ADMIN)
                        .anyRequest().denyAll())
                .exceptionHandling(e -> e
                        .authenticationEntryPoint(ProblemAuthenticationHandlers.unauthorized())
                        .accessDeniedHandler(ProblemAuthenticationHandlers.forbidden()))
                .oauth2ResourceServer(rs -> rs
                        .jwt(jwt -> jwt.jwtAuthenticationConverter(converter))
                        .authenticationEntryPoint(ProblemAuthenticationHandlers.unauthorized())
                        .accessDeniedHandler(ProblemAuthenticationHandlers.forbidden()));
        // Before the bearer filter, which ignores this scheme; the shard filter below then sees the device's fleet.
        http.addFilterBefore(new DeviceRequestAuthenticationFilter(deviceKeys, () -> System.currentTimeMillis() / 1000),
                BearerTokenAuthenticationFilter.class);
        // A shard of a fleet-sharded cloud (ADR-0031) answers only for its fleets: decided once the token is verified.
        ShardOwnership ownership = shard.getIfAvailable();
        if (ownership != null) {
            http.addFilterAfter(new ShardOwnershipFilter(ownership), BearerTokenAuthenticationFilter.class);
        }
        return http.build();
    }
}
