package dev.berth.cli.template;

import java.util.ArrayList;
import java.util.List;

/**
 * The part of Go's text/template that Podman's and Docker's {@code --format} users write: text, actions
 * with field paths ({@code .State.Pid}, {@code .}), string and number literals, pipelines ({@code .X | json}),
 * function calls ({@link Functions}), {@code if/else if/else}, {@code range/else} (with {@code $i, $v :=}),
 * {@code with}, variables, parentheses and the {@code {{-}} / {{- }} trim markers. Data is what the API
 * answers: maps, lists, strings, numbers, booleans. A field is looked up by its exact key, then without
 * regard to case, so Docker's names ({@code .State.Pid}) find the API's ({@code state.pid}).
 */
public final class GoTemplate {
    private final List<Node> nodes;

    private GoTemplate(List<Node> nodes) {
        this.nodes = nodes;
    }

    /** Parses {@code text}; a syntax error is a {@link TemplateException} naming the offset. */
    public static GoTemplate parse(String text) {
        return new GoTemplate(new Parser(Lexer.tokens(text)).document());
    }

    public String execute(Object data) {
        StringBuilder out = new StringBuilder();
        Scope scope = new Scope(data);
        for (Node n : nodes) {
            n.render(scope, data, out);
        }
        return out.toString();
    }

    /** The top-level field names the template reads, in order ({@code .Names} gives "Names"), for table headers. */
    public List<String> fields() {
        List<String> names = new ArrayList<>();
        for (Node n : nodes) {
            n.fields(names);
        }
        return names;
    }
}
