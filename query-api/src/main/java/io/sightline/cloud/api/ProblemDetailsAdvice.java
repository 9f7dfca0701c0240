package io.sightline.cloud.api;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Errors of the query API as RFC 9457 problem details, with a message that says what to do. */
@RestControllerAdvice(basePackages = {"io.sightline.cloud.api", "io.sightline.cloud.stream"})
public class ProblemDetailsAdvice {

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setTitle("Bad request");
        return problem;
    }

    @ExceptionHandler(TooManySubscribersException.class)
    ProblemDetail busy(TooManySubscribersException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        problem.setTitle("Too many stream subscribers");
        return problem;
    }
}
