package io.sightline.cloud.api;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description springdoc serves at {@code /v3/api-docs} (Swagger UI at
 * {@code /swagger-ui.html}). The "bearer" scheme is the one every controller names in
 * {@code @SecurityRequirement}, so the UI asks for a token once and sends it everywhere.
 */
@Configuration(proxyBeanMethods = false)
@OpenAPIDefinition(info = @Info(title = "Sightline API", version = "v1",
        description = "Investigator, auditor, safety-app and admin access to Sightline's events. Every call is scoped to the"
                + " fleet in the token's 'fleet' claim; another fleet's resource is answered as not found (404)."
                + " Errors are RFC 9457 problem details."))
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer", bearerFormat = "JWT",
        description = "JWT with claims 'fleet' and 'roles' (investigator, auditor, safety-app, admin)")
public class ApiDocumentation {
}
