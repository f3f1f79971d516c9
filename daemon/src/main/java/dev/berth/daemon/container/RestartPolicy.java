package dev.berth.daemon.container;

import dev.berth.oci.BerthException;

/**
 * Docker's restart policies: {@code no}, {@code always}, {@code unless-stopped}, {@code on-failure[:N]} (N
 * restarts at most; 0 or none: no limit). berthd restarts a container whose run ended unless the user stopped
 * or killed it, waiting 100 ms doubled per restart so far, at most 30 s.
 */
public record RestartPolicy(Kind kind, int maxRetries) {
    public enum Kind { NO, ALWAYS, UNLESS_STOPPED, ON_FAILURE }

    public static final RestartPolicy NO = new RestartPolicy(Kind.NO, 0);
    private static final long FIRST_DELAY_MILLIS = 100;
    private static final long MAX_DELAY_MILLIS = 30_000;

    /** {@code operation} starts the error for a policy that is not one of Docker's. */
    public static RestartPolicy parse(String operation, String text) {
        if (text == null || text.isEmpty() || text.equals("no")) {
            return NO;
        }
        switch (text) {
            case "always":
                return new RestartPolicy(Kind.ALWAYS, 0);
            case "unless-stopped":
                return new RestartPolicy(Kind.UNLESS_STOPPED, 0);
            case "on-failure":
                return new RestartPolicy(Kind.ON_FAILURE, 0);
            default:
                if (text.matches("on-failure:[0-9]{1,9}")) {
                    return new RestartPolicy(Kind.ON_FAILURE, Integer.parseInt(text.substring("on-failure:".length())));
                }
                throw BerthException.invalid(operation + ": restart policy '" + InputRules.shown(text)
                        + "' is not no, always, unless-stopped or on-failure[:N]");
        }
    }

    /** After a run ended with {@code exitCode}, having been restarted {@code restarts} times. */
    public boolean restartsAfterExit(Integer exitCode, int restarts, boolean stoppedByUser) {
        if (stoppedByUser) {
            return false;
        }
        return switch (kind) {
            case NO -> false;
            case ALWAYS, UNLESS_STOPPED -> true;
            case ON_FAILURE -> exitCode != null && exitCode != 0 && (maxRetries == 0 || restarts < maxRetries);
        };
    }

    /** At berthd's start, for a container that had ended before: {@code always} even one the user stopped. */
    public boolean restartsAtDaemonStart(Integer exitCode, int restarts, boolean stoppedByUser) {
        return kind == Kind.ALWAYS || restartsAfterExit(exitCode, restarts, stoppedByUser);
    }

    public long delayMillis(int restarts) {
        return Math.min(MAX_DELAY_MILLIS, FIRST_DELAY_MILLIS << Math.min(restarts, 20));
    }
}
