package io.sightline.cloud.api;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/** Errors of the query API as RFC 9457 problem details, with a message that says what to do. */
@RestControllerAdvice(basePackages = {"io.sightline.cloud.api", "io.sightline.cloud.stream", "io.sightline.cloud.evidence"})
public class ProblemDetailsAdvice {

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setTitle("Bad request");
        return problem;
    }

    /** An upload above the registry's limit (issue 17 §1). */
    @ExceptionHandler(io.sightline.cloud.registry.ArtifactTooLargeException.class)
    ProblemDetail tooLarge(io.sightline.cloud.registry.ArtifactTooLargeException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.PAYLOAD_TOO_LARGE, e.getMessage());
        problem.setTitle("Artifact too large");
        return problem;
    }

    /** A stored artifact whose bytes no longer hash to their name: refused, never served (ADR-0025). */
    @ExceptionHandler(io.sightline.cloud.registry.BlobStore.CorruptBlobException.class)
    ProblemDetail corruptBlob(io.sightline.cloud.registry.BlobStore.CorruptBlobException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
        problem.setTitle("Stored artifact damaged");
        return problem;
    }

    @ExceptionHandler(TooManySubscribersException.class)
    ProblemDetail busy(TooManySubscribersException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        problem.setTitle("Too many stream subscribers");
        return problem;
    }

    @ExceptionHandler(ForbiddenException.class)
    ProblemDetail forbidden(ForbiddenException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, e.getMessage());
        problem.setTitle("Forbidden");
        return problem;
    }

    @ExceptionHandler(ResourceNotFoundException.class)
    ProblemDetail notFound(ResourceNotFoundException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
        problem.setTitle("Not found");
        return problem;
    }

    /** A body that is not JSON or has the wrong shape; the parser's own message would expose class names. */
    @ExceptionHandler(HttpMessageNotReadableException.class)
    ProblemDetail unreadable(HttpMessageNotReadableException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "the request body is not valid JSON of the documented shape (see /v3/api-docs)");
        problem.setTitle("Bad request");
        return problem;
    }

    /** E.g. {@code fromNanos=yesterday}: Spring's default answer here would not be a problem document. */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ProblemDetail typeMismatch(MethodArgumentTypeMismatchException e) {
        String expected = e.getRequiredType() == null ? "another type" : e.getRequiredType().getSimpleName();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "parameter '" + e.getName() + "' must be " + expected + ", got '" + e.getValue() + "'");
        problem.setTitle("Bad request");
        return problem;
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ProblemDetail missingParameter(MissingServletRequestParameterException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "parameter '" + e.getParameterName() + "' is required");
        problem.setTitle("Bad request");
        return problem;
    }
}
