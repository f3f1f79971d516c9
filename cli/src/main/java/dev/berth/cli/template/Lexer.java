package dev.berth.cli.template;

import java.util.ArrayList;
import java.util.List;

/** Splits a template into text and actions, applying the trim markers, and each action into tokens. */
final class Lexer {
    /** Text between actions, or one action's tokens. */
    record Item(String text, List<Token> action, int offset) {
    }

    private Lexer() {
    }

    static List<Item> tokens(String src) {
        List<Item> items = new ArrayList<>();
        int i = 0;
        boolean trimNext = false;
        while (i < src.length()) {
            int open = src.indexOf("{{", i);
            String text = open < 0 ? src.substring(i) : src.substring(i, open);
            boolean trimBefore = open >= 0 && src.startsWith("{{- ", open);
            if (trimNext) {
                text = text.stripLeading();
            }
            if (trimBefore) {
                text = text.stripTrailing();
            }
            if (!text.isEmpty()) {
                items.add(new Item(text, null, i));
            }
            if (open < 0) {
                break;
            }
            int start = open + (trimBefore ? 4 : 2);
            int close = closing(src, start);
            if (close < 0) {
                throw new TemplateException("unclosed action at offset " + open);
            }
            trimNext = close >= 2 && src.startsWith(" -}}", close - 2) && close - 2 >= start;
            int end = trimNext ? close - 2 : close;
            String body = src.substring(start, end).strip();
            if (!body.startsWith("/*")) {
                items.add(new Item(null, words(body, start), open));
            }
            i = close + 2;
        }
        return items;
    }

    /** The index of the action's "}}", skipping quoted strings. */
    private static int closing(String src, int from) {
        for (int i = from; i < src.length() - 1; i++) {
            char c = src.charAt(i);
            if (c == '"' || c == '`') {
                i = endOfString(src, i) - 1;
                if (i < 0) {
                    return -1;
                }
            } else if (c == '}' && src.charAt(i + 1) == '}') {
                return i;
            }
        }
        return -1;
    }

    private static int endOfString(String s, int at) {
        char q = s.charAt(at);
        for (int i = at + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && q == '"') {
                i++;
            } else if (c == q) {
                return i + 1;
            }
        }
        return -1;
    }

    private static List<Token> words(String a, int base) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < a.length()) {
            char c = a.charAt(i);
            int at = base + i;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (punctuation(c) != null) {
                out.add(new Token(punctuation(c), String.valueOf(c), null, at));
                i++;
            } else if (a.startsWith(":=", i)) {
                out.add(new Token(Token.Kind.DECLARE, ":=", null, at));
                i += 2;
            } else if (c == '"' || c == '`') {
                int end = endOfString(a, i);
                if (end < 0) {
                    throw new TemplateException("unterminated string at offset " + at);
                }
                out.add(new Token(Token.Kind.STRING, unquote(a.substring(i, end), at), null, at));
                i = end;
            } else if (c == '.' || c == '$') {
                int end = i + 1;
                while (end < a.length() && (Character.isLetterOrDigit(a.charAt(end)) || a.charAt(end) == '_'
                        || a.charAt(end) == '.')) {
                    end++;
                }
                String word = a.substring(i, end);
                out.add(path(word, at));
                i = end;
            } else if (Character.isDigit(c) || (c == '-' && i + 1 < a.length() && Character.isDigit(a.charAt(i + 1)))) {
                int end = i + 1;
                while (end < a.length() && (Character.isDigit(a.charAt(end)) || a.charAt(end) == '.')) {
                    end++;
                }
                out.add(new Token(Token.Kind.NUMBER, a.substring(i, end), null, at));
                i = end;
            } else if (Character.isLetter(c) || c == '_') {
                int end = i + 1;
                while (end < a.length() && (Character.isLetterOrDigit(a.charAt(end)) || a.charAt(end) == '_')) {
                    end++;
                }
                out.add(new Token(Token.Kind.IDENT, a.substring(i, end), null, at));
                i = end;
            } else {
                throw new TemplateException("unexpected '" + c + "' at offset " + at);
            }
        }
        return out;
    }

    private static Token.Kind punctuation(char c) {
        return switch (c) {
            case '|' -> Token.Kind.PIPE;
            case '(' -> Token.Kind.LPAREN;
            case ')' -> Token.Kind.RPAREN;
            case ',' -> Token.Kind.COMMA;
            case '=' -> Token.Kind.ASSIGN;
            default -> null;
        };
    }

    private static Token path(String word, int at) {
        if (word.equals(".")) {
            return new Token(Token.Kind.DOT, ".", List.of(), at);
        }
        String[] parts = word.split("\\.", -1);
        List<String> fields = new ArrayList<>();
        for (int p = 1; p < parts.length; p++) {
            if (parts[p].isEmpty()) {
                throw new TemplateException("bad field path '" + word + "' at offset " + at);
            }
            fields.add(parts[p]);
        }
        if (word.startsWith("$")) {
            return new Token(Token.Kind.VAR, parts[0].substring(1), List.copyOf(fields), at);
        }
        return new Token(Token.Kind.FIELD, word, List.copyOf(fields), at);
    }

    private static String unquote(String q, int at) {
        if (q.charAt(0) == '`') {
            return q.substring(1, q.length() - 1);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < q.length() - 1; i++) {
            char c = q.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = q.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '\\', '"' -> sb.append(e);
                default -> throw new TemplateException("unknown escape \\" + e + " at offset " + at);
            }
        }
        return sb.toString();
    }
}
