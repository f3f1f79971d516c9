package dev.berth.cli.template;

/** A template that does not parse or cannot be executed on its data; the message says where and why. */
public final class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TemplateException(String message) {
        super("template: " + message);
    }
}
