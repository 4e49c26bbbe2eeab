using Ded.Verification.Math.Cas;

namespace Ded.Verification.Math.Latex;

/// <summary>Thrown when a string is not a readable answer; becomes "unparsed".</summary>
internal sealed class ParseException(string message) : Exception(message);

/// <summary>Recursive-descent parser for normalized LaTeX and plain expressions. Precedence, loosest first:
/// list (`,` `;`), relation (`=` `&lt;` `\in` …), union (`\cup`), sum (`+` `-` `\pm`), product (`*` `/` implicit),
/// unary minus, power/factorial/subscript, primary.</summary>
internal sealed class LatexParser
{
    private static readonly HashSet<string> Functions =
        ["sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "log", "ln", "exp", "lg"];
    private static readonly HashSet<string> TextCommands = ["text", "textbf", "textit", "mbox", "textnormal", "textrm", "texttt"];
    private static readonly HashSet<string> StyleCommands =
        ["mathrm", "mathbf", "mathit", "boldsymbol", "mathsf", "mathbb", "mathcal", "bm", "operatorname", "overline", "vec", "hat", "bar", "tilde", "underline", "widehat", "overrightarrow", "boxed", "fbox", "mathnormal", "displaystyle"];
    private static readonly HashSet<string> NotFactorStart =
        ["cdot", "times", "ast", "div", "pm", "mp", "cup", "cap", "in", "leq", "geq", "le", "ge", "lt", "gt", "neq", "ne", "end", "leqslant", "geqslant", "equiv", "to", "mid", "}", "setminus", "notin", "\\", "quad", "colon"];

    private readonly string _s;
    private readonly Budget _budget;
    private int _pos;
    private int _depth;
    private int _absDepth;

    private LatexParser(string s, Budget budget) { _s = s; _budget = budget; }

    /// <summary>Parses one normalized answer; throws <see cref="ParseException"/> when it is not one.</summary>
    public static Node Parse(string normalized, Budget budget)
    {
        var p = new LatexParser(normalized, budget);
        var node = p.ParseTopList();
        p.SkipWs();
        if (p._pos < p._s.Length) throw new ParseException($"unexpected '{p._s[p._pos]}' at {p._pos}");
        return node;
    }

    // ---- lists and relations ----

    private Node ParseTopList()
    {
        var groups = new List<List<Node>> { new() };
        groups[0].Add(ParseRelation());
        var sawSemicolon = false;
        while (true)
        {
            SkipWs();
            if (Eat(',')) groups[^1].Add(ParseRelation());
            else if (Eat(';')) { sawSemicolon = true; groups.Add([ParseRelation()]); }
            else break;
        }
        if (!sawSemicolon) return groups[0].Count == 1 ? groups[0][0] : new SetNode(groups[0]);
        if (groups.All(g => g.Count == 1)) return new SetNode(groups.Select(g => g[0]).ToList());
        return new SetNode(groups.Select(g => g.Count == 1 ? g[0] : new TupleNode(g)).ToList());
    }

    private List<Node> ParseItems()
    {
        var items = new List<Node> { ParseRelation() };
        while (true)
        {
            SkipWs();
            if (Eat(',') || Eat(';')) items.Add(ParseRelation());
            else return items;
        }
    }

    private Node ParseRelation()
    {
        var first = ParseUnion();
        SkipWs();
        if (TryCommand("in")) return new Member(first, ParseUnion());
        var ops = new List<string>();
        var parts = new List<Node> { first };
        while (TryRelOp(out var op))
        {
            ops.Add(op);
            parts.Add(ParseUnion());
            SkipWs();
        }
        return ops.Count == 0 ? first : new Rel(ops, parts);
    }

    private bool TryRelOp(out string op)
    {
        SkipWs();
        op = "";
        foreach (var (text, name) in RelTokens)
        {
            if (!At(text)) continue;
            if (text[0] == '\\' && _pos + text.Length < _s.Length && char.IsAsciiLetter(_s[_pos + text.Length])) continue;
            _pos += text.Length;
            op = name;
            return true;
        }
        return false;
    }

    private static readonly (string Text, string Name)[] RelTokens =
    [
        ("<=", "<="), (">=", ">="), ("!=", "!="), ("=<", "<="), ("=>", ">="), ("\\leqslant", "<="), ("\\geqslant", ">="),
        ("\\leq", "<="), ("\\geq", ">="), ("\\le", "<="), ("\\ge", ">="), ("\\neq", "!="), ("\\ne", "!="), ("\\lt", "<"),
        ("\\gt", ">"), ("\\equiv", "="), ("≤", "<="), ("≥", ">="), ("≠", "!="), ("=", "="), ("<", "<"), (">", ">"),
    ];

    private Node ParseUnion()
    {
        var first = ParseSum();
        var parts = new List<Node> { first };
        while (TryCommand("cup") || TryChar('∪')) parts.Add(ParseSum());
        return parts.Count == 1 ? first : new Union(parts);
    }

    // ---- arithmetic ----

    private Node ParseSum()
    {
        SkipWs();
        var terms = new List<Node>();
        if (TryCommand("pm")) terms.Add(new PlusMinus(new Num(BigRational.Zero, false), ParseProduct()));
        else if (TryCommand("mp")) terms.Add(new PlusMinus(new Num(BigRational.Zero, false), ParseProduct()));
        else terms.Add(ParseProduct());
        while (true)
        {
            SkipWs();
            if (Eat('+')) terms.Add(ParseProduct());
            else if (Peek() == '-' && PeekAt(1) != '-') { _pos++; terms.Add(new Neg(ParseProduct())); }
            else if (TryCommand("pm") || TryCommand("mp"))
            {
                var left = Collapse(terms);
                terms.Clear();
                terms.Add(new PlusMinus(left, ParseProduct()));
            }
            else break;
        }
        return Collapse(terms);
    }

    private static Node Collapse(List<Node> terms) => terms.Count == 1 ? terms[0] : new Add(terms.ToList());

    private Node ParseProduct()
    {
        var factors = new List<Node> { ParseUnary() };
        while (true)
        {
            _budget.Tick();
            SkipWs();
            if (Eat('*') || TryCommand("cdot") || TryCommand("times") || TryCommand("ast") || TryChar('×') || TryChar('·'))
                factors.Add(ParseUnary());
            else if (Eat('/') || TryCommand("div") || TryChar('÷'))
            {
                var right = ParseUnary();
                var left = factors.Count == 1 ? factors[0] : new Mul(factors.ToList());
                factors.Clear();
                factors.Add(new Div(left, right));
            }
            else if (Peek() == ':' && PeekAt(1) != '=')
            {
                _pos++;
                var right = ParseUnary();
                var left = factors.Count == 1 ? factors[0] : new Mul(factors.ToList());
                factors.Clear();
                factors.Add(new Func("ratio", [left, right]));
            }
            else if (StartsFactor()) factors.Add(ParsePostfix());
            else break;
        }
        var kept = factors.Where(f => f is not Text and not Pow { Base: Text }).ToList();
        if (kept.Count == 0) return factors[0];
        return kept.Count == 1 ? kept[0] : new Mul(kept);
    }

    private bool StartsFactor()
    {
        if (_pos >= _s.Length) return false;
        var c = _s[_pos];
        if (char.IsAsciiDigit(c) || char.IsLetter(c) || c == '(' || c == '{' || c == '.') return c != '.' || char.IsAsciiDigit(PeekAt(1));
        if (c == '|') return _absDepth == 0;
        if (c == '√' || c == 'π' || c == '∞') return true;
        if (c != '\\') return false;
        var name = CommandNameAt(_pos);
        return name.Length > 0 && !NotFactorStart.Contains(name) && !name.StartsWith("right", StringComparison.Ordinal);
    }

    private Node ParseUnary()
    {
        SkipWs();
        if (Peek() == '-') { _pos++; return new Neg(ParseUnary()); }
        if (Peek() == '+') { _pos++; return ParseUnary(); }
        return ParsePostfix();
    }

    private Node ParsePostfix()
    {
        if (++_depth > Budget.MaxDepth) throw new TooLargeException("expression nested deeper than " + Budget.MaxDepth);
        var node = ParsePrimary();
        while (true)
        {
            _budget.Tick();
            SkipWs();
            if (Peek() == '^')
            {
                _pos++;
                SkipWs();
                var exp = ParseScriptArgument();
                node = new Pow(node, exp);
            }
            else if (Peek() == '!' && PeekAt(1) != '=') { _pos++; node = new Func("fact", [node]); }
            else if (Peek() == '_' ) { _pos++; node = Subscripted(node, ReadScriptRaw()); }
            else if (Peek() == '\'') { _pos++; node = node is Sym s ? new Sym(s.Name + "'") : node; }
            else break;
        }
        _depth--;
        return node;
    }

    private Node Subscripted(Node node, string sub) => node switch
    {
        Sym s => new Sym(s.Name + "_" + sub),
        Num n when n.Value.IsInteger => new Sym(n.Value + "_" + sub),
        Text t => new Sym(t.Value + "_" + sub),
        _ => node,
    };

    private Node ParseScriptArgument()
    {
        if (Peek() == '{') { _pos++; var inner = ParseGroupBody('}'); return inner; }
        if (char.IsAsciiDigit(Peek())) { _pos++; return new Num(BigRational.Parse(_s[(_pos - 1)..(_pos)]), false); }
        if (Peek() == '-') { _pos++; return new Neg(ParseScriptArgument()); }
        return ParsePrimary();
    }

    private string ReadScriptRaw()
    {
        SkipWs();
        if (Peek() == '{')
        {
            var start = ++_pos;
            var close = MatchBrace(start - 1);
            _pos = close + 1;
            return new string(_s[start..close].Where(ch => ch != ' ' && ch != '{' && ch != '}').ToArray());
        }
        if (Peek() == '\\') { var name = CommandNameAt(_pos); _pos += name.Length + 1; return name; }
        if (_pos >= _s.Length) throw new ParseException("empty subscript");
        return _s[_pos++].ToString();
    }

    // ---- primaries ----

    private Node ParsePrimary()
    {
        SkipWs();
        if (_pos >= _s.Length) throw new ParseException("unexpected end");
        var c = _s[_pos];
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(PeekAt(1)))) return ParseNumber();
        switch (c)
        {
            case '(': _pos++; return ParseBracketed('(');
            case '[': _pos++; return ParseBracketed('[');
            case '{': _pos++; return ParseBraceGroup();
            case '|': return ParseAbs();
            case 'π': _pos++; return new Const("pi");
            case '∞': _pos++; return new Const("inf");
            case '√': _pos++; return new Func("sqrt", [ParsePostfix()]);
            case '\\': return ParseCommand();
        }
        if (char.IsLetter(c)) return ParseLetters();
        throw new ParseException($"unexpected '{c}' at {_pos}");
    }

    private Node ParseNumber()
    {
        var start = _pos;
        while (_pos < _s.Length && char.IsAsciiDigit(_s[_pos])) _pos++;
        var isFloat = false;
        if (Peek() == '.' && char.IsAsciiDigit(PeekAt(1)))
        {
            isFloat = true;
            _pos++;
            while (_pos < _s.Length && char.IsAsciiDigit(_s[_pos])) _pos++;
        }
        if ((Peek() == 'e' || Peek() == 'E') && (char.IsAsciiDigit(PeekAt(1)) || ((PeekAt(1) == '-' || PeekAt(1) == '+') && char.IsAsciiDigit(PeekAt(2)))))
        {
            _pos += 2;
            while (_pos < _s.Length && char.IsAsciiDigit(_s[_pos])) _pos++;
            isFloat = true;
        }
        var text = _s[start.._pos];
        var num = new Num(BigRational.Parse(text.StartsWith('.') ? "0" + text : text), isFloat);
        return isFloat ? num : MaybeMixedNumber(num);
    }

    /// <summary>`3\frac{1}{2}` is the mixed number 7/2, as Math-Verify reads it.</summary>
    private Node MaybeMixedNumber(Num whole)
    {
        var save = _pos;
        SkipWs();
        if (!At("\\frac")) { _pos = save; return whole; }
        var fracStart = _pos;
        _pos += 5;
        var frac = ParseFracArgs();
        if (frac is Div { Left: Num { IsFloat: false } a, Right: Num { IsFloat: false } b } && a.Value.IsInteger && b.Value.IsInteger
            && !b.Value.IsZero && a.Value.Num < b.Value.Num && !char.IsAsciiLetter(Peek()) && Peek() != '\\' && Peek() != '^')
            return new Num(whole.Value + a.Value / b.Value, false);
        _pos = fracStart;
        return whole;
    }

    private Node ParseLetters()
    {
        var start = _pos;
        while (_pos < _s.Length && char.IsAsciiLetter(_s[_pos])) _pos++;
        var word = _s[start.._pos];
        if (Functions.Contains(word)) return ParseFunctionArgs(word);
        if (word is "sqrt" && Peek() == '(') return new Func("sqrt", [ParseFunctionArgument()]);
        if (word is "pi") return new Const("pi");
        if (word is "inf" or "infty" or "oo") return new Const("inf");
        // why: plain letter runs are products of one-letter symbols (as latex2sympy reads `ab`); the last letter
        // takes any subscript or power that follows.
        _pos = start + 1;
        return LetterSymbol(word[0]);
    }

    private static Node LetterSymbol(char c) => c == 'e' ? new Const("e") : new Sym(c.ToString());

    private Node ParseCommand()
    {
        var name = CommandNameAt(_pos);
        if (name.Length == 0) throw new ParseException($"bad command at {_pos}");
        _pos += name.Length + 1;
        switch (name)
        {
            case "frac": return ParseFracArgs();
            case "sqrt":
            {
                SkipWs();
                Node? index = null;
                if (Peek() == '[') { _pos++; index = ParseGroupBody(']'); }
                var arg = ParseMacroArgument();
                return index is null ? new Func("sqrt", [arg]) : new Func("root", [arg, index]);
            }
            case "binom": case "dbinom": case "tbinom": { var n = ParseMacroArgument(); return new Func("binom", [n, ParseMacroArgument()]); }
            case "pi": return new Const("pi");
            case "infty": case "infin": return new Const("inf");
            case "emptyset": case "varnothing": return new SetNode([]);
            case "{": { var items = PeekClose("\\}") ? [] : ParseItems(); Expect("\\}"); return new SetNode(items); }
            case "lbrace": { var items = ParseItems(); Expect("\\rbrace"); return new SetNode(items); }
            case "langle": { var items = ParseItems(); Expect("\\rangle"); return new TupleNode(items); }
            case "lvert": case "vert": case "|": case "lVert": { _absDepth++; var inner = ParseSum(); _absDepth--; SkipWs(); if (!(TryCommand("rvert") || TryCommand("vert") || TryCommand("rVert") || TryCommand("|") || Eat('|'))) throw new ParseException("unclosed |"); return new Func("abs", [inner]); }
            case "lfloor": { var inner = ParseSum(); Expect("\\rfloor"); return new Func("floor", [inner]); }
            case "lceil": { var inner = ParseSum(); Expect("\\rceil"); return new Func("ceil", [inner]); }
            case "begin": return ParseEnvironment();
            case "sum": case "prod": return ParseBigOperator(name);
        }
        if (Functions.Contains(name)) return ParseFunctionArgs(name);
        if (TextCommands.Contains(name)) return ParseText();
        if (StyleCommands.Contains(name))
        {
            SkipWs();
            if (Peek() != '{') return ParsePostfix();
            var close = MatchBrace(_pos);
            var content = _s[(_pos + 1)..close].Trim();
            if (name is "mathrm" or "operatorname" && content.Length > 1 && content.All(char.IsAsciiLetter))
            {
                _pos = close + 1;
                return Functions.Contains(content) ? ParseFunctionArgs(content) : new Text(content);
            }
            _pos++;
            return ParseGroupBody('}');
        }
        if (NotFactorStart.Contains(name)) throw new ParseException($"unexpected \\{name}");
        // why: Greek letters and unknown macros are symbols, so identical unknowns still compare equal.
        return new Sym("\\" + name);
    }

    private Node ParseText()
    {
        SkipWs();
        if (Peek() != '{') throw new ParseException("\\text without braces");
        var close = MatchBrace(_pos);
        var content = _s[(_pos + 1)..close].Trim();
        _pos = close + 1;
        if (content.Length > 0 && content.All(ch => char.IsAsciiDigit(ch) || ch == '.') && char.IsAsciiDigit(content[0]))
            return new Num(BigRational.Parse(content), content.Contains('.'));
        return new Text(content);
    }

    private Node ParseFracArgs()
    {
        var num = ParseMacroArgument();
        var den = ParseMacroArgument();
        return new Div(num, den);
    }

    /// <summary>A macro argument: `{…}`, or one token (`\frac12`, `\sqrt3`, `\frac\pi2`).</summary>
    private Node ParseMacroArgument()
    {
        SkipWs();
        if (Peek() == '{') { _pos++; return ParseGroupBody('}'); }
        if (char.IsAsciiDigit(Peek())) { _pos++; return new Num(BigRational.Parse(_s[(_pos - 1).._pos]), false); }
        if (char.IsAsciiLetter(Peek())) { _pos++; return LetterSymbol(_s[_pos - 1]); }
        return ParsePrimary();
    }

    private Node ParseFunctionArgs(string name)
    {
        SkipWs();
        Node? power = null;
        Node? logBase = null;
        if (Peek() == '_') { _pos++; SkipWs(); logBase = ParseScriptArgument(); SkipWs(); }
        if (Peek() == '^') { _pos++; SkipWs(); power = ParseScriptArgument(); SkipWs(); }
        var arg = ParseFunctionArgument();
        Node f = logBase is null ? new Func(name == "lg" ? "log10" : name, [arg]) : new Func("logb", [arg, logBase]);
        // why: \sin^{-1} is arcsin; \sin^2 x is (sin x)^2.
        if (power is Neg { Inner: Num { Value.IsInteger: true } one } && one.Value == BigRational.One)
            return new Func("arc" + name, [arg]);
        return power is null ? f : new Pow(f, power);
    }

    private Node ParseFunctionArgument()
    {
        SkipWs();
        if (Peek() == '(') { _pos++; var inner = ParseGroupBody(')'); return inner; }
        if (Peek() == '{') { _pos++; return ParseGroupBody('}'); }
        // why: `\sin 2x` is sin(2x) in the usual convention; stop at the next operator.
        var factors = new List<Node> { ParseUnary() };
        while (true)
        {
            SkipWs();
            if (Peek() == '\\' && Functions.Contains(CommandNameAt(_pos))) break;
            if (!StartsFactor() || Peek() == '(') break;
            factors.Add(ParsePostfix());
        }
        return factors.Count == 1 ? factors[0] : new Mul(factors);
    }

    private Node ParseBigOperator(string name)
    {
        SkipWs();
        Node lower = new Text(""), upper = new Text("");
        if (Peek() == '_') { _pos++; SkipWs(); lower = ParseScriptArgument(); SkipWs(); }
        if (Peek() == '^') { _pos++; SkipWs(); upper = ParseScriptArgument(); }
        var body = ParseProduct();
        return new Func(name, [lower, upper, body]);
    }

    private Node ParseEnvironment()
    {
        var env = ReadBraced();
        if (env is "array") ReadBraced();
        var isMatrix = env is "pmatrix" or "bmatrix" or "matrix" or "vmatrix" or "Bmatrix" or "array" or "smallmatrix";
        if (!isMatrix) throw new ParseException("unsupported environment " + env);
        var rows = new List<IReadOnlyList<Node>>();
        var row = new List<Node>();
        while (true)
        {
            _budget.Tick();
            SkipWs();
            if (At("\\end"))
            {
                _pos += 4;
                ReadBraced();
                if (row.Count > 0) rows.Add(row);
                break;
            }
            if (At("\\\\")) { _pos += 2; if (row.Count > 0) rows.Add(row); row = []; continue; }
            if (Eat('&')) { if (row.Count == 0) row.Add(new Num(BigRational.Zero, false)); continue; }
            row.Add(ParseRelation());
        }
        if (rows.Count == 0 || rows.Any(r => r.Count != rows[0].Count)) throw new ParseException("ragged matrix");
        Node m = new Matrix(rows);
        return env == "vmatrix" ? new Func("det", [m]) : m;
    }

    private string ReadBraced()
    {
        SkipWs();
        if (Peek() != '{') throw new ParseException("expected {");
        var close = MatchBrace(_pos);
        var text = _s[(_pos + 1)..close].Trim();
        _pos = close + 1;
        return text;
    }

    private Node ParseAbs()
    {
        _pos++;
        _absDepth++;
        var inner = ParseSum();
        _absDepth--;
        SkipWs();
        if (!Eat('|')) throw new ParseException("unclosed |");
        return new Func("abs", [inner]);
    }

    /// <summary>`(a)` grouping, `(a,b)` tuple, `[a,b]`, `(a,b]`, `[a,b)` intervals.</summary>
    private Node ParseBracketed(char open)
    {
        var items = ParseItems();
        SkipWs();
        char close;
        if (Eat(')')) close = ')';
        else if (Eat(']')) close = ']';
        else throw new ParseException($"unclosed {open}");
        if (items.Count == 1)
        {
            if (open == '(' && close == ')' || open == '[' && close == ']') return items[0];
            throw new ParseException("mismatched brackets");
        }
        if (items.Count == 2 && !(open == '(' && close == ')'))
            return new Interval(items[0], items[1], open == '(', close == ')');
        return new TupleNode(items);
    }

    private Node ParseBraceGroup()
    {
        SkipWs();
        if (Eat('}')) return new SetNode([]);
        var items = ParseItems();
        SkipWs();
        if (!Eat('}')) throw new ParseException("unclosed {");
        return items.Count == 1 ? items[0] : new SetNode(items);
    }

    private Node ParseGroupBody(char close)
    {
        var node = ParseTopListUntil();
        SkipWs();
        if (!Eat(close)) throw new ParseException($"expected '{close}' at {_pos}");
        return node;
    }

    private Node ParseTopListUntil()
    {
        var items = ParseItems();
        return items.Count == 1 ? items[0] : new SetNode(items);
    }

    // ---- lexing helpers ----

    private int MatchBrace(int open)
    {
        var depth = 0;
        for (var i = open; i < _s.Length; i++)
        {
            if (_s[i] == '\\') { i++; continue; }
            if (_s[i] == '{') depth++;
            else if (_s[i] == '}' && --depth == 0) return i;
        }
        throw new ParseException("unbalanced braces");
    }

    private string CommandNameAt(int at)
    {
        if (at >= _s.Length || _s[at] != '\\') return "";
        var i = at + 1;
        if (i >= _s.Length) return "";
        if (!char.IsAsciiLetter(_s[i])) return _s[i].ToString();
        while (i < _s.Length && char.IsAsciiLetter(_s[i])) i++;
        return _s[(at + 1)..i];
    }

    private bool TryCommand(string name)
    {
        SkipWs();
        if (!At("\\" + name)) return false;
        var end = _pos + 1 + name.Length;
        if (char.IsAsciiLetter(name[^1]) && end < _s.Length && char.IsAsciiLetter(_s[end])) return false;
        _pos = end;
        return true;
    }

    private bool TryChar(char c) { SkipWs(); return Eat(c); }
    private bool PeekClose(string text) { SkipWs(); return At(text); }
    private void Expect(string text) { SkipWs(); if (!At(text)) throw new ParseException($"expected {text} at {_pos}"); _pos += text.Length; }
    private bool At(string text) => string.CompareOrdinal(_s, _pos, text, 0, text.Length) == 0;
    private char Peek() => _pos < _s.Length ? _s[_pos] : '\0';
    private char PeekAt(int k) => _pos + k < _s.Length ? _s[_pos + k] : '\0';
    private bool Eat(char c) { if (Peek() != c) return false; _pos++; return true; }
    private void SkipWs() { while (_pos < _s.Length && char.IsWhiteSpace(_s[_pos])) _pos++; }
}
