package dev.berth.daemon.cri;

import dev.berth.daemon.container.InputRules;
import dev.berth.oci.BerthException;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Runs the RPCs and turns their failures into gRPC statuses: the CRI edge's only error mapping. */
final class CriCalls {
    private static final System.Logger LOG = System.getLogger(CriCalls.class.getName());

    private CriCalls() {
    }

    static <T> void unary(String rpc, StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            response.onError(toStatus(rpc, e).asRuntimeException());
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }

    static Status toStatus(String rpc, Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s.getStatus();
        }
        if (e instanceof BerthException b) {
            Status status = switch (b.kind()) {
                case NOT_FOUND -> Status.NOT_FOUND;
                case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case INTERNAL -> Status.INTERNAL;
            };
            if (b.kind() == BerthException.Kind.INTERNAL) {
                LOG.log(Level.ERROR, "CRI " + rpc + ": " + b.getMessage(), b);
            }
            return status.withDescription(InputRules.clientMessage(b.getMessage()));
        }
        // Not a BerthException: a bug, so the stack trace goes to the log; the caller learns where to look, not
        // Berth's class names.
        LOG.log(Level.ERROR, "CRI " + rpc + " failed unexpectedly", e);
        return Status.INTERNAL.withDescription(rpc + ": internal error, logged by berthd").withCause(e);
    }

    /**
     * The service with every RPC that {@code impl} does not override answering UNIMPLEMENTED with a message
     * that says so in Berth's words; grpc-java's default only names the method, which reads like a client
     * mistake in kubelet's and crictl's logs.
     */
    static ServerServiceDefinition withUnimplementedExplained(Object impl, ServerServiceDefinition service) {
        // The generated ImplBase's methods are lowerCamel RPC names; those the facade declares are the served ones.
        Set<String> served = Arrays.stream(impl.getClass().getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()))
                .map(Method::getName)
                .collect(Collectors.toSet());
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(service.getServiceDescriptor());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            String bare = method.getMethodDescriptor().getBareMethodName();
            String javaName = Character.toLowerCase(bare.charAt(0)) + bare.substring(1);
            out.addMethod(servedOrUnimplemented(method, served.contains(javaName)));
        }
        return out.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> servedOrUnimplemented(ServerMethodDefinition<Q, R> method,
            boolean served) {
        if (served) {
            return method;
        }
        String name = method.getMethodDescriptor().getFullMethodName();
        ServerCallHandler<Q, R> handler = new ServerCallHandler<>() {
            @Override
            public ServerCall.Listener<Q> startCall(ServerCall<Q, R> call, Metadata headers) {
                call.close(Status.UNIMPLEMENTED.withDescription(name + " is not implemented by berth yet: its CRI "
                        + "endpoint serves Version, Status, RuntimeConfig and the image RPCs so far"), new Metadata());
                return new ServerCall.Listener<>() { };
            }
        };
        return method.withServerCallHandler(handler);
    }
}
