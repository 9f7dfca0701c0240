package io.sightline.cloud.api;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The investigator UI: static files under {@code classpath:/static/ui/}, served by this app so it
 * needs no other server and works without internet. Its data comes from {@code /api/v1} with the
 * bearer token the investigator pastes (or that {@code sightline run} puts in the link).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class InvestigatorUiConfiguration implements WebMvcConfigurer {

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        // A redirect, not a forward: the page's relative links (app.js, app.css) must resolve under /ui/.
        registry.addRedirectViewController("/", "/ui/");
        registry.addRedirectViewController("/ui", "/ui/");
        registry.addViewController("/ui/").setViewName("forward:/ui/index.html");
    }
}
