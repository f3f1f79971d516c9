package dev.berth.cli.template;

import java.util.ArrayList;
import java.util.List;

/** Items to nodes: blocks (if/with/range ... else ... end) nest; an action is a pipeline. */
final class Parser {
    private final List<Lexer.Item> items;
    private int at;

    Parser(List<Lexer.Item> items) {
        this.items = items;
    }

    List<Node> document() {
        List<Node> nodes = new ArrayList<>();
        String end = block(nodes);
        if (end != null) {
            throw new TemplateException("unexpected {{" + end + "}}");
        }
        return nodes;
    }

    /** Parses into {@code nodes} up to an {{else...}} or {{end}} (returned: "else" or "end"), or the end (null). */
    private String block(List<Node> nodes) {
        while (at < items.size()) {
            Lexer.Item item = items.get(at++);
            if (item.text() != null) {
                nodes.add(new Node.Text(item.text()));
                continue;
            }
            List<Token> t = item.action();
            if (t.isEmpty()) {
                throw new TemplateException("empty action at offset " + item.offset());
            }
            Token first = t.get(0);
            if (first.isKeyword("end") || first.isKeyword("else")) {
                if (first.isKeyword("end") && t.size() > 1) {
                    throw new TemplateException("unexpected words after end at offset " + item.offset());
                }
                at--; // the caller looks at it again
                return first.text();
            } else if (first.isKeyword("if") || first.isKeyword("with")) {
                nodes.add(branch(t, item.offset(), first.isKeyword("with")));
            } else if (first.isKeyword("range")) {
                nodes.add(range(t, item.offset()));
            } else {
                nodes.add(new Node.Action(new Words(t, 0, t.size(), item.offset()).pipeline()));
            }
        }
        return null;
    }

    private Node.Branch branch(List<Token> t, int offset, boolean with) {
        Pipeline condition = new Words(t, 1, t.size(), offset).pipeline();
        List<Node> then = new ArrayList<>();
        expectEnd(block(then), offset);
        List<Token> closing = items.get(at).action();
        if (closing.get(0).isKeyword("else") && closing.size() > 1
                && (closing.get(1).isKeyword("if") || closing.get(1).isKeyword("with"))) {
            // else if: the rest is a branch of its own, ended by the same end
            at++;
            Node.Branch next = branch(closing.subList(1, closing.size()), offset, closing.get(1).isKeyword("with"));
            return new Node.Branch(condition, then, List.of(next), with);
        }
        return new Node.Branch(condition, then, elseAndEnd(offset), with);
    }

    private Node.Range range(List<Token> t, int offset) {
        Pipeline over = new Words(t, 1, t.size(), offset).pipeline();
        List<Node> body = new ArrayList<>();
        expectEnd(block(body), offset);
        return new Node.Range(over, body, elseAndEnd(offset));
    }

    /** After a block's body: {{end}}, or {{else}}, its nodes and {{end}}; the else part's nodes. */
    private List<Node> elseAndEnd(int offset) {
        List<Node> otherwise = new ArrayList<>();
        if (items.get(at++).action().get(0).isKeyword("else")) {
            expectEnd(block(otherwise), offset);
            if (!items.get(at++).action().get(0).isKeyword("end")) {
                throw new TemplateException("a second else in the block started at offset " + offset);
            }
        }
        return otherwise;
    }

    private static void expectEnd(String closer, int offset) {
        if (closer == null) {
            throw new TemplateException("unclosed block started at offset " + offset + " (no {{end}})");
        }
    }

    /** Tokens from..to of one action as a pipeline. */
    private static final class Words {
        private final List<Token> t;
        private int i;
        private final int to;
        private final int offset;

        Words(List<Token> t, int from, int to, int offset) {
            this.t = t;
            this.i = from;
            this.to = to;
            this.offset = offset;
        }

        Pipeline pipeline() {
            Pipeline p = pipelineUntil(false);
            if (i < to) {
                throw new TemplateException("unexpected " + t.get(i).text() + " at offset " + t.get(i).offset());
            }
            return p;
        }

        private Pipeline pipelineUntil(boolean inParens) {
            List<String> declares = new ArrayList<>();
            boolean assigns = false;
            int save = i;
            if (i < to && t.get(i).is(Token.Kind.VAR) && t.get(i).path().isEmpty()) {
                declares.add(t.get(i++).text());
                if (i + 1 < to && t.get(i).is(Token.Kind.COMMA) && t.get(i + 1).is(Token.Kind.VAR)) {
                    declares.add(t.get(i + 1).text());
                    i += 2;
                }
                if (i < to && (t.get(i).is(Token.Kind.DECLARE) || t.get(i).is(Token.Kind.ASSIGN))) {
                    assigns = t.get(i).is(Token.Kind.ASSIGN);
                    i++;
                } else {
                    declares.clear();
                    i = save;
                }
            }
            List<List<Operand>> commands = new ArrayList<>();
            List<Operand> cmd = new ArrayList<>();
            while (i < to && !(inParens && t.get(i).is(Token.Kind.RPAREN))) {
                Token tok = t.get(i++);
                switch (tok.kind()) {
                    case PIPE -> {
                        if (cmd.isEmpty()) {
                            throw new TemplateException("missing command before | at offset " + tok.offset());
                        }
                        commands.add(cmd);
                        cmd = new ArrayList<>();
                    }
                    case LPAREN -> {
                        cmd.add(new Operand.Nested(pipelineUntil(true)));
                        if (i >= to) {
                            throw new TemplateException("unclosed ( at offset " + tok.offset());
                        }
                        i++;
                    }
                    case FIELD, DOT -> cmd.add(new Operand.Field(tok.path()));
                    case VAR -> cmd.add(new Operand.Variable(tok.text(), tok.path()));
                    case STRING -> cmd.add(new Operand.Literal(tok.text()));
                    case NUMBER -> cmd.add(Operand.Literal.number(tok.text()));
                    case IDENT -> cmd.add(ident(tok));
                    default -> throw new TemplateException("unexpected " + tok.text() + " at offset " + tok.offset());
                }
            }
            if (cmd.isEmpty()) {
                throw new TemplateException("missing value at offset " + offset);
            }
            commands.add(cmd);
            return new Pipeline(List.copyOf(declares), assigns, commands);
        }

        private static Operand ident(Token tok) {
            switch (tok.text()) {
                case "true":
                    return new Operand.Literal(Boolean.TRUE);
                case "false":
                    return new Operand.Literal(Boolean.FALSE);
                case "nil":
                    return new Operand.Literal(null);
                default:
                    if (!Functions.exists(tok.text())) {
                        throw new TemplateException("function \"" + tok.text() + "\" not defined");
                    }
                    return new Operand.Function(tok.text());
            }
        }
    }
}
