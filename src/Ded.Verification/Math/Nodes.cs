using Ded.Verification.Math.Cas;

namespace Ded.Verification.Math;

/// <summary>Parsed answer: an expression tree, or a structure (set, tuple, interval, relation, matrix, text).</summary>
internal abstract record Node;

/// <summary>A number literal; <paramref name="IsFloat"/> when written with a decimal point (rounding applies).</summary>
internal sealed record Num(BigRational Value, bool IsFloat) : Node;
internal sealed record Sym(string Name) : Node;
/// <summary>Named constants: pi, e, inf.</summary>
internal sealed record Const(string Name) : Node;
internal sealed record Add(IReadOnlyList<Node> Terms) : Node;
internal sealed record Mul(IReadOnlyList<Node> Factors) : Node;
internal sealed record Div(Node Left, Node Right) : Node;
internal sealed record Neg(Node Inner) : Node;
internal sealed record Pow(Node Base, Node Exponent) : Node;
/// <summary>`a \pm b` (Sign +1) or `a \mp b`: expands to two alternatives.</summary>
internal sealed record PlusMinus(Node Left, Node Right) : Node;
/// <summary>Functions: sqrt, root, sin…, log, ln, exp, abs, fact, binom, and uninterpreted ones (sum, ratio).</summary>
internal sealed record Func(string Name, IReadOnlyList<Node> Args) : Node;
/// <summary>Relation chain: Parts[0] Ops[0] Parts[1] … with ops =, !=, &lt;, &lt;=, &gt;, &gt;=.</summary>
internal sealed record Rel(IReadOnlyList<string> Ops, IReadOnlyList<Node> Parts) : Node;
/// <summary>`x \in S`.</summary>
internal sealed record Member(Node Element, Node Set) : Node;
/// <summary>Unordered collection: `\{…\}` or a bare comma list.</summary>
internal sealed record SetNode(IReadOnlyList<Node> Items) : Node;
/// <summary>Ordered `( … )` with two or more items; two items may also be an open interval.</summary>
internal sealed record TupleNode(IReadOnlyList<Node> Items) : Node;
internal sealed record Interval(Node Low, Node High, bool LowOpen, bool HighOpen) : Node;
internal sealed record Union(IReadOnlyList<Node> Parts) : Node;
internal sealed record Matrix(IReadOnlyList<IReadOnlyList<Node>> Rows) : Node;
internal sealed record Text(string Value) : Node;
