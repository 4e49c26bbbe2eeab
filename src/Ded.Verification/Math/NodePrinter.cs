using System.Text;

namespace Ded.Verification.Math;

/// <summary>Compact, readable text of a parsed answer (the "normalized" forms the CLI writes).</summary>
internal static class NodePrinter
{
    public static string Print(Node node)
    {
        var sb = new StringBuilder();
        Write(node, sb);
        return sb.ToString();
    }

    private static void Write(Node node, StringBuilder sb)
    {
        switch (node)
        {
            case Num n: sb.Append(n.IsFloat ? n.Value.ToDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture) : n.Value.ToString()); break;
            case Sym s: sb.Append(s.Name); break;
            case Const c: sb.Append(c.Name == "inf" ? "oo" : c.Name); break;
            case Add a: Join(a.Terms, " + ", sb); break;
            case Mul m: Join(m.Factors, "*", sb); break;
            case Div d: Paren(d.Left, sb); sb.Append('/'); Paren(d.Right, sb); break;
            case Neg g: sb.Append('-'); Paren(g.Inner, sb); break;
            case Pow p: Paren(p.Base, sb); sb.Append('^'); Paren(p.Exponent, sb); break;
            case PlusMinus pm: Write(pm.Left, sb); sb.Append(" ± "); Paren(pm.Right, sb); break;
            case Func f: sb.Append(f.Name).Append('('); Join(f.Args, ", ", sb); sb.Append(')'); break;
            case Rel r:
                for (var i = 0; i < r.Parts.Count; i++)
                {
                    if (i > 0) sb.Append(' ').Append(r.Ops[i - 1]).Append(' ');
                    Write(r.Parts[i], sb);
                }
                break;
            case Member mb: Write(mb.Element, sb); sb.Append(" in "); Write(mb.Set, sb); break;
            case SetNode set: sb.Append('{'); Join(set.Items, ", ", sb); sb.Append('}'); break;
            case TupleNode t: sb.Append('('); Join(t.Items, ", ", sb); sb.Append(')'); break;
            case Interval iv:
                sb.Append(iv.LowOpen ? '(' : '['); Write(iv.Low, sb); sb.Append(", "); Write(iv.High, sb); sb.Append(iv.HighOpen ? ')' : ']');
                break;
            case Union u: Join(u.Parts, " U ", sb); break;
            case Matrix mx:
                sb.Append("Matrix([");
                for (var i = 0; i < mx.Rows.Count; i++) { if (i > 0) sb.Append(", "); sb.Append('['); Join(mx.Rows[i], ", ", sb); sb.Append(']'); }
                sb.Append("])");
                break;
            case Text tx: sb.Append(tx.Value); break;
        }
    }

    private static void Join(IReadOnlyList<Node> nodes, string sep, StringBuilder sb)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            if (i > 0) sb.Append(sep);
            if (sep == "*") Paren(nodes[i], sb); else Write(nodes[i], sb);
        }
    }

    private static void Paren(Node n, StringBuilder sb)
    {
        var simple = n is Num { Value.Sign: >= 0 } or Sym or Const or Func or SetNode or TupleNode or Matrix;
        if (!simple) sb.Append('(');
        Write(n, sb);
        if (!simple) sb.Append(')');
    }
}
