package sibyl.node.admin;

/** JSON text for the admin pages, written by hand: a few flat objects do not need a library. */
public final class Json {
    private Json() {}

    /** {@code text} as a JSON string, quoted and escaped; {@code null} as {@code null}. */
    public static String string(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                // < and > escaped too: the status page puts this text in HTML.
                case '<' -> json.append("\\u003c");
                case '>' -> json.append("\\u003e");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
