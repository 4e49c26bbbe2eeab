using System.Diagnostics;
using System.Globalization;
using Ded.Display;
using Ded.Reports;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Xunit;

namespace Ded.Tests.Reports;

/// <summary>Issue 15 items 11 and 12: text from teachers, questions and files never reaches a terminal or report.md as
/// escape sequences or markup, and the commands Ded suggests paste safely into a POSIX shell.</summary>
public class HostileTextTests
{
    /// <summary>What a hostile teacher or question file can hold, each with how one line of it must print.</summary>
    public static TheoryData<string, string, string> Sequences => new()
    {
        { "clear screen", "a\u001b[2J\u001b[Hb", @"a\u001b[2J\u001b[Hb" },
        { "window title (OSC 0, BEL)", "\u001b]0;owned\u0007", @"\u001b]0;owned\u0007" },
        { "OSC 8 hyperlink", "\u001b]8;;http://evil.example\u001b\\click\u001b]8;;\u001b\\", @"\u001b]8;;http://evil.example\u001b\click\u001b]8;;\u001b\" },
        { "C1 CSI (U+009B)", "x\u009b31my", @"x\u009b31my" },
        { "bidi override", "total \u202e01$\u202c", @"total \u202e01$\u202c" },
        { "bidi isolate", "\u2066x\u2069", @"\u2066x\u2069" },
        { "zero width and BOM", "a\u200bb\ufeff", @"a\u200bb\ufeff" },
        { "backspace and DEL", "ok\b\b\u007fno", @"ok\u0008\u0008\u007fno" },
        { "carriage return overwrite", "PASS\rFAIL", @"PASS\rFAIL" },
        { "line separator", "a\u2028b", @"a\u2028b" },
        { "lone surrogate", "a\ud800b", @"a\ud800b" },
        { "tag characters (U+E0041)", "x\U000E0041", @"x\U000e0041" },
        { "forged line", "42\nverdict      correct", @"42\nverdict      correct" },
        { "tab", "a\tb", @"a\tb" },
        { "ordinary text stays", "2 × 3 ≤ 7, \\frac{1}{2} — 日本 😀", "2 × 3 ≤ 7, \\frac{1}{2} — 日本 😀" },
    };

    [Theory]
    [MemberData(nameof(Sequences), DisableDiscoveryEnumeration = true)] // a lone surrogate does not survive serialization
    public void EachSequenceIsWrittenVisibly(string name, string text, string line)
    {
        Assert.Equal(line, TerminalText.Line(text));
        Assert.True(IsInert(TerminalText.Line(text)), name);
        var block = TerminalText.Block(text);
        Assert.True(IsInert(block.Replace("\n", "").Replace("\t", "")), name);
        Assert.Equal(text.Count(c => c == '\n'), block.Count(c => c == '\n')); // a block keeps its lines and tabs
        Assert.Equal(text.Count(c => c == '\t'), block.Count(c => c == '\t'));
    }

    [Theory]
    [InlineData("q-0001.careful.0.ab12cd")]
    [InlineData("q$(touch pwned).oracle.0.ff")]
    [InlineData("it's `id`; rm -rf ~ & echo \"hi\" | cat > x")]
    [InlineData("")]
    [InlineData("a b\tc*?[x]{y}")]
    public async Task AQuotedWordReadsBackAsItselfInAPosixShell(string word)
    {
        using var dir = new Spine.TempDir();
        var (code, printed) = await ShAsync(dir.Path, $"printf '%s' {ShellWords.Quote(word)}");
        Assert.Equal((0, word), (code, printed));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    /// <summary>report.md read back by Markdig (a CommonMark/GFM parser, with its pipe tables): every hostile cell is one
    /// cell of plain text, equal to the text as shown, with no HTML, link, image, emphasis or code run of its own making.</summary>
    [Fact]
    public void ReportMarkdownRendersHostileTextAsPlainTextInItsCell()
    {
        string[] hostile =
        [
            "<script>alert(1)</script> | col | break", "[click](javascript:alert(1)) ![img](y.png) [ref]",
            "see https://evil.example/login or www.evil.example", "mail me@evil.example", "**bold** _it_ ~~gone~~ `code` $x^2$",
            "back\\slash \\| pipe & &amp; entity", "\u001b]0;owned\u0007 title \u202e bidi", "line one\nline two",
        ];
        var m = ReportFixtures.DedWins();
        var template = m.Selected[0];
        m = m with { Selected = [.. hostile.Select((text, i) => template with { QuestionId = "q" + i, Question = text })] };
        var md = MarkdownReport.Render(m);
        Assert.True(IsInert(md.Replace("\n", "")), "report.md holds a raw control or format character");

        var document = Markdown.Parse(md, new MarkdownPipelineBuilder().UseAdvancedExtensions().Build());
        Assert.Empty(document.Descendants<HtmlBlock>());
        Assert.Empty(document.Descendants<HtmlInline>());
        Assert.Empty(document.Descendants<LinkInline>());
        Assert.Empty(document.Descendants<AutolinkInline>());
        var selected = document.Descendants<Table>().Last();
        Assert.Empty(selected.Descendants<EmphasisInline>());
        var rows = selected.OfType<TableRow>().Skip(1).ToList();
        Assert.Equal(hostile.Length, rows.Count);
        foreach (var (row, text) in rows.Zip(hostile))
        {
            Assert.Equal(5, row.Count);
            Assert.Equal(TerminalText.Line(HtmlReport.Shorten(text, 60)), PlainText((TableCell)row[4]));
        }
    }

    /// <summary>A real run whose question file is hostile: the suggested `ded show` line runs in sh as exactly that
    /// command, and `ded show` and report.md print every escape visibly.</summary>
    [Fact]
    public async Task ARunWithHostileQuestionsSuggestsASafeCommandAndShowsEscapesVisibly()
    {
        using var dir = new Spine.TempDir();
        const string id = "q$(touch pwned)'x";
        File.WriteAllText(dir.File("q.jsonl"),
            $$"""
            {"id": "{{id}}", "question": "Start at 3. Add 2. Result?", "answer": "5"}
            {"id": "title", "question": "Start at 4. Add 1. Result?\u001b]0;owned\u0007\u001b[2J\u202e", "answer": "5"}

            """);
        File.WriteAllText(dir.File("r.yaml"), "name: hostile\nteachers:\n  - name: oracle\n    lab: oracle\nquestions:\n  sources:\n    - jsonl:\n        path: q.jsonl\nverifier: lab\nfilters:\n  length_unit: chars\n");
        var folder = dir.File("run $(touch pwned2)");
        var (code, stdout, stderr) = await Ded.Tests.Serving.Cli.RunAsync(null, "run", dir.File("r.yaml"), "--out", folder);
        Assert.True(code == 0, stderr);

        var hint = stdout.Split('\n').Single(l => l.StartsWith("lineage of a row: ", StringComparison.Ordinal))["lineage of a row: ".Length..];
        var (shCode, words) = await ShAsync(dir.Path, "ded() { printf '%s\\n' \"$@\"; }; " + hint);
        var args = words.TrimEnd('\n').Split('\n');
        Assert.Equal(0, shCode);
        Assert.Equal(["show", "--out", folder], [args[0], args[2], args[3]]);
        Assert.StartsWith(id + ".oracle.", args[1]);
        Assert.False(File.Exists(dir.File("pwned")) || File.Exists(dir.File("pwned2")), "a pasted hint ran the id's command");

        var (showCode, show, showErr) = await Ded.Tests.Serving.Cli.RunAsync(null, "show", "title", "--out", folder);
        Assert.True(showCode == 0, showErr);
        Assert.Contains(@"Start at 4. Add 1. Result?\u001b]0;owned\u0007\u001b[2J\u202e", show);
        Assert.True(IsInert(show.Replace("\n", "")), "ded show printed a raw control or format character");
        var report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.True(IsInert(report.Replace("\n", "")), "report.md holds a raw control or format character");
    }

    /// <summary>No character a terminal acts on: no C0/C1 control, DEL, format character, separator or lone surrogate.</summary>
    private static bool IsInert(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogatePair(text, i)) { i++; continue; }
            var category = CharUnicodeInfo.GetUnicodeCategory(text[i]);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate) return false;
        }
        return true;
    }

    private static string PlainText(TableCell cell) => string.Concat(cell.Descendants<Inline>().Select(i => i switch
    {
        LiteralInline l => l.Content.ToString(),
        CodeInline c => c.Content,
        _ => "",
    }));

    private static async Task<(int Code, string Out)> ShAsync(string workingDirectory, string script)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var sh = Process.Start(info)!;
        var output = await sh.StandardOutput.ReadToEndAsync();
        await sh.WaitForExitAsync();
        return (sh.ExitCode, output);
    }
}
