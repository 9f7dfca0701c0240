package io.sightline.cloud.projection;

import java.util.function.Consumer;
import java.util.function.Supplier;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;

/**
 * State a projection collects over one batch of a pooled streaming processor and writes when the
 * batch's unit of work prepares to commit, inside its transaction (with the processor's token).
 * One per key and batch: the first event of a batch creates it and registers the write.
 */
final class ProcessorBatch {

    private ProcessorBatch() {
    }

    static <T> T state(String key, Supplier<T> create, Consumer<T> writeOnPrepareCommit) {
        UnitOfWork<?> uow = CurrentUnitOfWork.get().root();
        return uow.getOrComputeResource(key, k -> {
            T state = create.get();
            uow.onPrepareCommit(u -> writeOnPrepareCommit.accept(state));
            return state;
        });
    }
}
