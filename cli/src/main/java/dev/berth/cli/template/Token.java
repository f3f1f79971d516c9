package dev.berth.cli.template;

import java.util.List;

/** One word of an action. FIELD and VAR carry their path ({@code $v.A.B}: name "v", path [A, B]). */
record Token(Kind kind, String text, List<String> path, int offset) {
    enum Kind { FIELD, DOT, VAR, STRING, NUMBER, IDENT, PIPE, LPAREN, RPAREN, DECLARE, ASSIGN, COMMA }

    boolean is(Kind k) {
        return kind == k;
    }

    boolean isKeyword(String word) {
        return kind == Kind.IDENT && text.equals(word);
    }
}
