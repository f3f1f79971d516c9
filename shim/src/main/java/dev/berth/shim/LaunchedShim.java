package dev.berth.shim;

/** A created (not yet started) container: its init pid and the pid of the shim that holds it. */
public record LaunchedShim(int containerPid, int shimPid) {
}
