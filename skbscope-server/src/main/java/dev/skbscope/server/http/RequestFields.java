package dev.skbscope.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skbscope.server.ApiException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;

/**
 * Strict reading of request JSON fields: unknown names are refused with the closest known one
 * suggested, and numbers are range-checked on their exact value (a JSON number is arbitrary
 * precision: {@code 4294967419} must not wrap to a port, {@code 1e23} must not become a seed).
 * Every refusal is a 400 naming the field. Shared by every endpoint that reads a JSON body
 * (sessions, alert rules, clearing alerts), so all refuse the same way. Stateless.
 */
public final class RequestFields {
    private RequestFields() { }

    /** Refuses any field of {@code obj} not in {@code known}, suggesting the closest known name. */
    public static void onlyKnown(JsonNode obj, String prefix, List<String> known, String what) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (known.contains(k)) continue;
            String near = closest(k, known);
            throw ApiException.badRequest(prefix + Echo.of(k).replace("\"", "") + ": unknown field of " + what
                    + (near != null ? "; did you mean " + prefix + near + "?" : "") + " (fields: " + String.join(", ", known) + ")");
        }
    }

    /** The known name nearest to {@code given} by edit distance, or null when none is plausibly meant. */
    public static String closest(String given, List<String> known) {
        if (given.length() > 64) return null;
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(given.toLowerCase(java.util.Locale.ROOT), k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best != null && bestD <= Math.max(2, best.length() / 3) ? best : null;
    }

    /** Levenshtein distance, with an adjacent transposition counted as one edit. */
    public static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
        return d[a.length()][b.length()];
    }

    /** The field absent or JSON null. */
    public static boolean absent(JsonNode n) { return n == null || n.isNull() || n.isMissingNode(); }

    /**
     * An integer field within {@code min..max} (inclusive), read exactly.
     * @throws ApiException 400 naming the field and the range
     */
    public static BigInteger integer(JsonNode n, String field, BigInteger min, BigInteger max) {
        String range = min + ".." + max;
        if (!n.isIntegralNumber()) throw ApiException.badRequest(field + ": must be an integer within " + range + " (got " + shown(n) + ")");
        BigInteger v = n.bigIntegerValue();
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0)
            throw ApiException.badRequest(field + ": must be within " + range + " (got " + shown(n) + ")");
        return v;
    }

    public static long integer(JsonNode n, String field, long min, long max) {
        return integer(n, field, BigInteger.valueOf(min), BigInteger.valueOf(max)).longValueExact();
    }

    /** A number within {@code min..max} (inclusive), compared exactly before it is turned into a double. */
    public static double number(JsonNode n, String field, double min, double max) {
        String range = plain(min) + ".." + plain(max);
        // a double read by a lenient mapper may be infinite or NaN, which has no decimal value
        if (!n.isNumber() || (n.isFloatingPointNumber() && !n.isBigDecimal() && !Double.isFinite(n.doubleValue())))
            throw ApiException.badRequest(field + ": must be a number within " + range + " (got " + shown(n) + ")");
        BigDecimal v = n.decimalValue();
        if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0)
            throw ApiException.badRequest(field + ": must be within " + range + " (got " + shown(n) + ")");
        return v.doubleValue();
    }

    private static String plain(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : BigDecimal.valueOf(d).toPlainString();
    }

    /** A value as echoed in an error: JSON text, bounded. */
    public static String shown(JsonNode n) {
        String s = n.isTextual() ? n.toString() : n.isNumber() ? n.asText() : n.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
