package dev.skbscope.engine.alert;

/** How a rule compares its expression's value with its threshold. Immutable. */
public enum Comparison {
    GT(">", "gt"), GE(">=", "gte"), LT("<", "lt"), LE("<=", "lte"), EQ("==", "eq"), NE("!=", "ne");

    private final String symbol;
    private final String word;

    Comparison(String symbol, String word) {
        this.symbol = symbol;
        this.word = word;
    }

    /** The PromQL operator, also the JSON form: {@code >}, {@code >=}, {@code <}, {@code <=}, {@code ==}, {@code !=}. */
    public String symbol() { return symbol; }

    /** True when {@code value} compared with {@code threshold} holds; never for NaN (no data). */
    public boolean holds(double value, double threshold) {
        if (Double.isNaN(value)) return false;
        return switch (this) {
            case GT -> value > threshold;
            case GE -> value >= threshold;
            case LT -> value < threshold;
            case LE -> value <= threshold;
            case EQ -> value == threshold;
            case NE -> value != threshold;
        };
    }

    /** Parses an operator ({@code >}) or the seed's word for it ({@code gt}); null when neither. */
    public static Comparison parse(String s) {
        for (Comparison c : values()) if (c.symbol.equals(s) || c.word.equalsIgnoreCase(s)) return c;
        return null;
    }
}
