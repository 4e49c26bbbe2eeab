namespace Ded.Verification.Math;

/// <summary>Where answers are looked for (Math-Verify's extraction configs).</summary>
public enum MathExtraction
{
    /// <summary>LaTeX targets first (final-answer phrase, boxed, math delimiters), then plain expressions.</summary>
    LatexExpr,
    /// <summary>Only LaTeX targets.</summary>
    Latex,
    /// <summary>Only plain expressions and numbers (Math-Verify's ExprExtractionConfig).</summary>
    Expr,
    /// <summary>A multiple-choice letter (A–E).</summary>
    Choice,
}

/// <summary>Settings for one check; the defaults are Math-Verify's.</summary>
public sealed record MathVerifyOptions
{
    /// <summary>How both sides are extracted (the same settings for gold and prediction).</summary>
    public MathExtraction Extraction { get; init; } = MathExtraction.LatexExpr;

    /// <summary>Math-Verify's LatexExtractionConfig default <c>boxed_match_priority</c>.</summary>
    public const int DefaultBoxedPriority = 50;

    // why: Math-Verify's test tables use 0 (a box beats a later "final answer is" phrase); its default ranks them equal.
    /// <summary>Math-Verify's <c>boxed_match_priority</c>: lower wins over the final-answer phrase (50); -1 turns boxes last.</summary>
    public int BoxedMatchPriority { get; init; } = DefaultBoxedPriority;

    // why: Math-Verify rounds both sides to this many decimals when either is a float literal (default 6).
    /// <summary>Decimal digits floats are rounded to before comparing.</summary>
    public int FloatRounding { get; init; } = 6;

    // why: Math-Verify's strict=False lets f(x) match f(y) (variable renaming); strict is its default.
    /// <summary>When false, predictions may rename a single free variable.</summary>
    public bool Strict { get; init; } = true;

    // why: `x \in [a,b]` against `a \le x \le b` is only equal when the caller asks (Math-Verify's flag).
    /// <summary>Allow set membership to be compared with relations.</summary>
    public bool AllowSetRelationComparison { get; init; }

    // why: p99 of the shared cases is well under 2 ms; 250 ms leaves room for slow machines and never hangs.
    /// <summary>Time budget for one check, polled cooperatively.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Seed of the random evaluation points used where no exact decision exists.</summary>
    public int Seed { get; init; } = 20250811;

    /// <summary>The default options.</summary>
    public static MathVerifyOptions Default { get; } = new();
}

/// <summary>Outcome class of a check. Wrong answers are <see cref="Ok"/> with Equivalent false.</summary>
public enum MathVerifyStatus { Ok, NoAnswer, GoldUnparsed, Timeout, TooLarge }

/// <summary>Verdict of one gold/prediction check.</summary>
public sealed record MathVerdict(bool Equivalent, MathVerifyStatus Status, string? GoldNormalized, string? PredNormalized);
