using System.Text;
using Ded.Display;
using Spectre.Console;

namespace Ded.Cli.Commands;

/// <summary>
/// Makes Console.Out and Console.Error escape what they print (<see cref="TerminalText.Block"/>): model, question and
/// file text reaches them through progress lines, errors that quote input and summaries, and no escape sequence in it
/// may reach the terminal. Spectre.Console keeps the raw stdout, because its own sequences draw the progress bar; the
/// one place that prints text through it (<see cref="CliSupport"/>'s log) escapes that text itself.
/// </summary>
internal static class TerminalOutput
{
    public static void Install()
    {
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings()); // bound to the raw stdout, before it is wrapped
        Console.SetOut(TextWriter.Synchronized(new EscapingWriter(Console.Out)));
        Console.SetError(TextWriter.Synchronized(new EscapingWriter(Console.Error)));
    }

    /// <summary>A writer that passes everything through <see cref="TerminalText.Block"/> (newlines and tabs stay).</summary>
    private sealed class EscapingWriter(TextWriter inner) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;
        public override IFormatProvider FormatProvider => inner.FormatProvider;

        public override void Write(char value) => inner.Write(TerminalText.Block(value.ToString()));
        public override void Write(string? value) => inner.Write(TerminalText.Block(value ?? ""));
        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));
        public override void Write(ReadOnlySpan<char> buffer) => Write(buffer.ToString());
        public override void WriteLine(string? value) => inner.WriteLine(TerminalText.Block(value ?? ""));
        public override void Flush() => inner.Flush();
    }
}
