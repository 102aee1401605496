package io.tekton.penia.tools;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/** Pieces of the one-line sentences tools put beside their structured results. */
final class Say {
    private Say() {
    }

    /** USD for people: cents from a dollar up ("$412.30"), below 2 to 6 places ("$0.04", "$0.0135"), "$0" for zero. */
    static String usd(Object v) {
        BigDecimal d = decimal(v);
        if (d == null) {
            return "an unknown amount";
        }
        String sign = d.signum() < 0 ? "-" : "";
        d = d.abs();
        if (d.signum() == 0) {
            return "$0";
        }
        // Cents from a dollar up; below, the places the amount has (2 to 6): a call often costs $0.0135.
        String digits = d.compareTo(BigDecimal.ONE) >= 0 ? String.format("%,.2f", d.setScale(2, RoundingMode.HALF_UP))
                : d.setScale(Math.max(2, Math.min(6, d.stripTrailingZeros().scale())), RoundingMode.HALF_UP)
                .toPlainString();
        return sign + "$" + digits;
    }

    static BigDecimal decimal(Object v) {
        return switch (v) {
            case null -> null;
            case BigDecimal b -> b;
            case Number n -> new BigDecimal(n.toString());
            default -> new BigDecimal(v.toString());
        };
    }

    /** A count with thousands separators ("2,000"). */
    static String count(Object v) {
        return v instanceof Number n ? String.format("%,d", n.longValue()) : String.valueOf(v);
    }

    static String str(Map<String, ?> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v == null ? null : v.toString();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** "provider/model", "model" or "" from arguments or a result row. */
    static String model(Map<String, ?> m, String providerKey, String modelKey) {
        String p = str(m, providerKey);
        String mo = str(m, modelKey);
        if (mo == null) {
            return p == null ? "" : p;
        }
        return p == null ? mo : p + "/" + mo;
    }

    /** "1 budget", "3 budgets". */
    static String plural(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
