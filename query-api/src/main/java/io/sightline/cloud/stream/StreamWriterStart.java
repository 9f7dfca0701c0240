package io.sightline.cloud.stream;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.tomcat.util.threads.TaskQueue;
import org.apache.tomcat.util.threads.TaskThreadFactory;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Starts a stream's writer only once Tomcat is done with the request that opened it (ADR-0045).
 *
 * <p>After the controller returns a stream, the request thread still unwinds the filters (Spring Security's header
 * writer sets headers on the way out) and Tomcat still post-processes the request's first dispatch. A writer thread
 * that sent meanwhile changed the response from a second thread; and when its write failed because the client had
 * already left, Tomcat put the request in its "must error" state, which its post-processing does not accept
 * ("asyncPostProcess() is not valid ... [MUST_ERROR]"). Tomcat then recycled requests that had not completed, a
 * connection could be left with no response and no thread on it, and a graceful shutdown waited for the lost requests.
 * CI's stream tests hung 10 minutes on such a connection.
 *
 * <p>So the connector runs its requests on Tomcat's own pool, with one addition: work a request thread defers here
 * runs on that thread after the task that processed the request has returned, when Tomcat has finished with it.
 */
@Configuration(proxyBeanMethods = false)
public class StreamWriterStart {

    private static final Logger LOG = LoggerFactory.getLogger(StreamWriterStart.class);

    /** Set only while one of the connector's threads runs a task: the work deferred to its end. */
    private static final ThreadLocal<ArrayList<Runnable>> DEFERRED = new ThreadLocal<>();
    /** Each connector thread's list, allocated once: a request costs no allocation here. */
    private static final ThreadLocal<ArrayList<Runnable>> OWN_LIST = ThreadLocal.withInitial(() -> new ArrayList<>(2));

    /**
     * Runs {@code writer} once the connector's thread has finished processing the current request, or now when the
     * caller is not on one (a test calling the service directly).
     */
    static void whenRequestThreadLeaves(Runnable writer) {
        ArrayList<Runnable> deferred = DEFERRED.get();
        if (deferred != null) {
            deferred.add(writer);
        } else {
            writer.run();
        }
    }

    /**
     * The connector's pool, built as Tomcat builds its own, sized by the same {@code server.tomcat.threads.*}. Held in a
     * bean of its own type: a bean that is an {@code Executor} would make Spring Boot drop its application task
     * executor.
     */
    record ConnectorPool(ThreadPoolExecutor executor) implements org.springframework.beans.factory.DisposableBean {
        @Override
        public void destroy() {
            executor.shutdownNow();
        }
    }

    @Bean
    ConnectorPool connectorPool(Environment env) {
        return new ConnectorPool(connectorExecutor(env));
    }

    private static ThreadPoolExecutor connectorExecutor(Environment env) {
        int max = env.getProperty("server.tomcat.threads.max", Integer.class, 200);
        int minSpare = env.getProperty("server.tomcat.threads.min-spare", Integer.class, 10);
        int queue = env.getProperty("server.tomcat.threads.max-queue-capacity", Integer.class, Integer.MAX_VALUE);
        TaskQueue taskQueue = new TaskQueue(queue);
        ThreadPoolExecutor executor = new ThreadPoolExecutor(minSpare, max, 60_000, TimeUnit.MILLISECONDS, taskQueue,
                new TaskThreadFactory("http-nio-exec-", true, Thread.NORM_PRIORITY)) {
            @Override
            protected void beforeExecute(Thread t, Runnable r) {
                ArrayList<Runnable> own = OWN_LIST.get();
                own.clear();
                DEFERRED.set(own);
            }

            @Override
            protected void afterExecute(Runnable r, Throwable t) {
                ArrayList<Runnable> deferred = DEFERRED.get();
                DEFERRED.remove();
                if (deferred == null) {
                    return;
                }
                for (int i = 0; i < deferred.size(); i++) {
                    try {
                        deferred.get(i).run();
                    } catch (RuntimeException e) {
                        LOG.warn("a stream writer could not start; its client reconnects", e);
                    }
                }
                deferred.clear();
            }
        };
        taskQueue.setParent(executor);
        return executor;
    }

    @Bean
    TomcatConnectorCustomizer deferredWorkConnectorExecutor(ConnectorPool pool) {
        return connector -> connector.getProtocolHandler().setExecutor(pool.executor());
    }
}
