package dev.berth.daemon.api.model;

/** Body of POST /v1/images/pull; credentials optional (anonymous otherwise). */
public record ImagePull(String reference, String platform, String username, String password) {
    /** Never prints the password: requests end up in error messages and logs. */
    @Override
    public String toString() {
        return "ImagePull[reference=" + reference + ", platform=" + platform + ", username=" + username
                + ", password=" + (password == null ? null : "***") + "]";
    }
}
