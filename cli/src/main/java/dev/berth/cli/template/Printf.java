package dev.berth.cli.template;

import java.util.List;

/** fmt.Sprintf's common verbs (%v %s %d %q %t %f %x and their flags and widths) on template values. */
final class Printf {
    private Printf() {
    }

    static String format(String fmt, List<Object> args) {
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int start = i++;
            while (i < fmt.length() && "-+ #0123456789.".indexOf(fmt.charAt(i)) >= 0) {
                i++;
            }
            if (i >= fmt.length()) {
                out.append(fmt, start, i);
                break;
            }
            char verb = fmt.charAt(i);
            String flags = fmt.substring(start + 1, i);
            if (verb == '%') {
                out.append('%');
                continue;
            }
            if (next >= args.size()) {
                out.append("%!").append(verb).append("(MISSING)");
                continue;
            }
            Object arg = args.get(next++);
            out.append(one(flags, verb, arg));
        }
        for (; next < args.size(); next++) {
            out.append("%!(EXTRA ").append(Values.print(args.get(next))).append(')');
        }
        return out.toString();
    }

    private static String one(String flags, char verb, Object arg) {
        switch (verb) {
            case 'v':
            case 's':
                return String.format("%" + flags + "s", Values.print(arg));
            case 'q':
                return String.format("%" + flags + "s", Functions.json(Values.print(arg)));
            case 't':
                return String.format("%" + flags + "s", Values.truth(arg));
            case 'd':
                return String.format("%" + flags + "d", (long) Functions.number("printf", arg));
            case 'x':
            case 'X':
                return arg instanceof String s ? hex(s, verb == 'X')
                        : String.format("%" + flags + verb, (long) Functions.number("printf", arg));
            case 'f':
            case 'e':
            case 'g':
                return String.format("%" + flags + verb, Functions.number("printf", arg));
            default:
                return "%!" + verb + "(" + Values.print(arg) + ")";
        }
    }

    private static String hex(String s, boolean upper) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            sb.append(String.format(upper ? "%02X" : "%02x", b));
        }
        return sb.toString();
    }
}
