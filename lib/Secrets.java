import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The database passwords this run has seen (from the URL, PGPASSWORD or .env). Every message the tool prints goes
 * through {@link #redact}, so a password that a driver or a parser echoes back still never reaches the output; the
 * password part of any URL in a message is masked too, even one no parser understood.
 */
final class Secrets {
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    private Secrets() {
    }

    static void register(String secret) {
        if (secret != null && secret.length() >= 3) {
            SECRETS.add(secret);
            String encoded = java.net.URLEncoder.encode(secret, java.nio.charset.StandardCharsets.UTF_8);
            if (!encoded.equals(secret)) {
                SECRETS.add(encoded);
            }
        }
    }

    /**
     * Registers the password of a whole command-line argument that is a URL (scheme://user:password@host...): from
     * the ':' after the user name to the argument's last '@', whatever it holds (spaces included).
     */
    static void registerUrlPassword(String arg) {
        int scheme = arg == null ? -1 : arg.indexOf("://");
        int at = scheme < 0 ? -1 : arg.lastIndexOf('@');
        int colon = at < 0 ? -1 : arg.indexOf(':', scheme + 3);
        if (colon >= 0 && colon < at) {
            register(arg.substring(colon + 1, at));
        }
    }

    static String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : SECRETS) {
            out = out.replace(secret, "****");
        }
        return maskUrls(out);
    }

    /** A URL-looking word: scheme://, then everything up to white space. */
    private static final Pattern URL = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)(\\S*)");
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("([?&;](?:ssl)?password=)[^&\\s]*",
            Pattern.CASE_INSENSITIVE);

    /**
     * Masks the password of every URL in the text, whatever a parser made of the URL: from the ':' after the user
     * name to the word's last '@' (a pasted password may hold '/', '?', ':' or '@'), and password= parameters.
     */
    static String maskUrls(String text) {
        Matcher m = URL.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String rest = m.group(2);
            int at = rest.lastIndexOf('@');
            int colon = rest.indexOf(':');
            if (colon >= 0 && colon < at) {
                rest = rest.substring(0, colon + 1) + "****" + rest.substring(at);
            }
            rest = PASSWORD_PARAMETER.matcher(rest).replaceAll("$1****");
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + rest));
        }
        m.appendTail(out);
        return out.toString();
    }
}
