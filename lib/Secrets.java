import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The database passwords this run has seen (from the URL, PGPASSWORD or .env). Every message the tool prints goes
 * through {@link #redact}, so a password that a driver or a parser echoes back still never reaches the output.
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

    static String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : SECRETS) {
            out = out.replace(secret, "****");
        }
        return out;
    }
}
